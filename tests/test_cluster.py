"""`--cluster` and `genderaudio.cluster` on a LocalCluster of two worker processes, on generated audio: the same rows as
one process, a worker killed mid-run costing a retry and no row, and `--resume` after an interrupted clustered run."""
import csv, os, signal, subprocess, time
from pathlib import Path
import pytest
from _inference_helpers import ROOT, run, command, write_clips, bad_corpus, interruptible


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    "Speech clips and the bad-input corpus (unreadable, empty, silent, noisy, odd formats), in one folder."
    d = tmp_path_factory.mktemp('mixed')
    write_clips(d, 60)
    bad_corpus(d)
    return d


def test_cluster_rows_are_the_plain_rows(files):
    "Same stdout (columns, values, error rows, order) and exit status with and without --cluster, for predict and segment."
    plain = run('genderaudio-predict', files, '--format', 'csv')
    clustered = run('genderaudio-predict', files, '--format', 'csv', '--cluster', 'local:2', '--batch-size', '8')
    assert plain.returncode == clustered.returncode == 1  # the corpus holds unreadable files
    assert clustered.stdout == plain.stdout and len(plain.stdout.splitlines()) > 80
    assert [l for l in clustered.stderr.splitlines() if 'could not be classified' in l] == [l for l in plain.stderr.splitlines() if 'could not be classified' in l]
    recordings = [files/'clip-00000.wav', files/'missing.wav', files/'stereo.wav']
    plain = run('genderaudio-segment', *recordings, '--format', 'csv')
    clustered = run('genderaudio-segment', *recordings, '--format', 'csv', '--cluster', 'local:2')
    assert (clustered.returncode, clustered.stdout, clustered.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def test_bad_cluster_spec_is_a_usage_error(files):
    res = run('genderaudio-predict', files, '--cluster', 'tcp:/nowhere')
    assert res.returncode == 2 and 'scheduler address' in res.stderr and res.stdout == ''


def test_worker_killed_mid_run_costs_no_row(tmp_path):
    "A worker killed with SIGKILL mid-run: its batches run again elsewhere, and every file's row comes once, in order."
    from genderaudio.cluster import dask_client, predict_on_cluster
    from genderaudio.inference import GenderClassifier
    clips = [str(p) for p in write_clips(tmp_path, 400, seconds=0.5)]
    expected = [p.to_dict() for p in GenderClassifier().predict_many(clips, workers=0)]
    rows = []
    with dask_client('local:2') as client:
        for p in predict_on_cluster(clips, client, batch_size=4):
            rows.append(p.to_dict())
            if len(rows) == 20:
                killed = next(iter(client.run(os.getpid).values()))
                os.kill(killed, signal.SIGKILL)
        assert killed not in client.run(os.getpid).values()  # it was killed, and its nanny started another
    assert [r['path'] for r in rows] == clips
    assert rows == expected


def test_interrupted_clustered_run_then_resume(tmp_path):
    "Ctrl-C ends a clustered --output run with the finished rows and no worker left; --resume (clustered again) finishes it."
    clips = write_clips(tmp_path/'clips', 400, seconds=0.5)
    out, journal = tmp_path/'results.csv', tmp_path/'results.csv.partial'
    args = [tmp_path/'clips', '--output', out, '--cluster', 'local:2', '--batch-size', '4']
    proc = subprocess.Popen([*command('genderaudio-predict'), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b'\n') > 40: break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    import psutil  # comes with distributed
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert len(workers) >= 2
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and 'interrupted' in err, err
    time.sleep(1)
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], "a worker process outlived the command"
    before = out.read_text().splitlines()
    assert 40 < len(before) < 401
    res = run('genderaudio-predict', *args, '--resume')
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()
    assert lines[:len(before)] == before and not journal.exists()
    assert [r[0] for r in csv.reader(lines[1:])] == [str(p) for p in clips]  # each file once, in input order
    plain = run('genderaudio-predict', tmp_path/'clips', '--format', 'csv')
    assert lines == plain.stdout.splitlines()
