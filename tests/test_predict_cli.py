"""`genderaudio-predict` and `genderaudio-segment` as processes: formats, exit statuses, one-line errors, streaming,
the light import of the inference module, and `--output` surviving `kill -9` then `--resume`."""
import csv, io, json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from _inference_helpers import ROOT, make_model, run, command, write_clips, speech, interruptible
import soundfile as sf

HEADER = 'path,label,kind,p_female,speech_seconds,error'


@pytest.fixture(scope='module')
def model(tmp_path_factory): return make_model(tmp_path_factory.mktemp('model')/'random')


@pytest.fixture(scope='module')
def clips(tmp_path_factory): return write_clips(tmp_path_factory.mktemp('clips'), 5)


def test_inference_imports_light():
    "The inference path imports neither fastai, librosa nor sounddevice, and PyTorch only once a model is loaded."
    code = ("import sys, genderaudio.inference\n"
            "bad = [m for m in ('fastai', 'librosa', 'sounddevice', 'torch') if m in sys.modules]\n"
            "assert not bad, bad")
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_classifying_needs_no_torch_with_onnxruntime(model, clips):
    "With onnxruntime installed the shipped architecture runs without importing PyTorch (fast start, small memory)."
    pytest.importorskip('onnxruntime'); pytest.importorskip('onnx')
    code = (f"import sys\nfrom genderaudio.inference import GenderClassifier\nclf = GenderClassifier({str(model)!r})\n"
            f"p = clf.predict({str(clips[0])!r})\nassert clf.backend == 'onnxruntime' and p.label in ('male', 'female'), (clf, p)\n"
            "assert 'torch' not in sys.modules")
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_csv_rows_in_input_order(model, clips, tmp_path):
    missing = tmp_path/'missing.wav'
    args = [clips[2], missing, clips[0], clips[1]]
    res = run('genderaudio-predict', *args, '--format', 'csv', '--model', model)
    assert res.returncode == 1, res.stderr  # one file failed
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert ','.join(rows[0]) == HEADER
    assert [r[0] for r in rows[1:]] == list(map(str, args))
    assert rows[2] == [str(missing), 'error', '', '', '', f"{missing}: no such file"]
    for r in rows[1:]: assert r[1] in ('male', 'female') and r[2] == 'speech' and 0 <= float(r[3]) <= 1 and float(r[4]) >= 0.1 or r[1] == 'error'
    assert res.stderr.strip().splitlines() == ['genderaudio-predict: 1 file could not be classified']


def test_json_and_table_formats_and_folders(model, clips):
    res = run('genderaudio-predict', clips[0].parent, '--format', 'json', '--model', model)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r['path'] for r in rows] == [str(p) for p in sorted(clips)]
    assert set(rows[0]) == {'path', 'label', 'kind', 'p_female', 'speech_seconds', 'error'}
    res = run('genderaudio-predict', clips[0], '--model', model)
    assert res.returncode == 0 and res.stdout.splitlines()[0].split() == ['label', 'kind', 'p_female', 'speech_s', 'file']
    assert res.stdout.splitlines()[1].split()[-1] == str(clips[0])


def test_usage_errors_exit_2(model, clips, tmp_path):
    for args in ([], [clips[0], '--format', 'xml'], [clips[0], '--resume'], [clips[0], '--output', tmp_path/'o.txt', '--format', 'table'],
                 [clips[0], '--no-such-option']):
        res = run('genderaudio-predict', *args, '--model', model)
        assert res.returncode == 2, (args, res.stderr)
        assert 'Traceback' not in res.stderr


def test_empty_folder_is_a_failure(model, tmp_path):
    (tmp_path/'empty').mkdir()
    res = run('genderaudio-predict', tmp_path/'empty', '--model', model)
    assert res.returncode == 1 and 'no audio files' in res.stderr and 'Traceback' not in res.stderr


def test_no_model_yet_is_one_line(tmp_path, clips):
    "Before a model ships, `genderaudio-predict my_wavs` says so in one line (exit 1), without a traceback."
    script = tmp_path/'no_model.py'
    script.write_text("import sys\nfrom pathlib import Path\nimport genderaudio.inference as gi, genderaudio.cli as cli\n"
                      "gi.default_model_dir = lambda: Path('/nonexistent/model')\nsys.exit(cli.genderaudio_predict())\n")
    res = subprocess.run([sys.executable, script, clips[0]], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and res.stdout == ''
    assert res.stderr.splitlines() == ['genderaudio-predict: no model yet: train one with genderaudio-train or pass --model']


def test_altered_weights_and_newer_format_refused(model, clips, tmp_path):
    import shutil
    altered = tmp_path/'altered'; shutil.copytree(model, altered)
    weights = bytearray((altered/'model.safetensors').read_bytes()); weights[-10] ^= 0xFF
    (altered/'model.safetensors').write_bytes(bytes(weights))
    res = run('genderaudio-predict', clips[0], '--model', altered)
    assert res.returncode == 1 and res.stdout == '' and len(res.stderr.splitlines()) == 1 and 'checksum mismatch' in res.stderr
    newer = tmp_path/'newer'; shutil.copytree(model, newer)
    config = json.loads((newer/'config.json').read_text())
    config.update(format_version=config['format_version'] + 1, genderaudio_version='9.9.9')
    (newer/'config.json').write_text(json.dumps(config))
    res = run('genderaudio-segment', clips[0], '--model', newer)
    assert res.returncode == 1 and len(res.stderr.splitlines()) == 1, res.stderr
    from genderaudio import __version__
    assert 'genderaudio 9.9.9' in res.stderr and f'genderaudio {__version__}' in res.stderr


def test_segment_formats(model, tmp_path):
    import numpy as np
    voice = speech()
    sf.write(tmp_path/'talk with space.wav', np.concatenate([voice, np.zeros(32000, np.float32), voice]), 16000)
    res = run('genderaudio-segment', tmp_path/'talk with space.wav', '--format', 'csv', '--model', model)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == ['start', 'end', 'label', 'p_female']
    assert float(rows[0]['start']) == 0 and abs(float(rows[-1]['end']) - 10) < 0.05
    assert any(r['label'] == 'no speech' and float(r['end']) - float(r['start']) >= 1.5 for r in rows)
    res = run('genderaudio-segment', tmp_path/'talk with space.wav', '--format', 'rttm', '--model', model)
    lines = [l.split() for l in res.stdout.splitlines()]
    assert lines and all(l[0] == 'SPEAKER' and l[1] == 'talk_with_space' and l[2] == '1' and l[7] in ('male', 'female')
                         and l[5:7] == ['<NA>', '<NA>'] and l[8:] == ['<NA>', '<NA>'] and float(l[4]) > 0 for l in lines)
    res = run('genderaudio-segment', tmp_path/'nothing.wav', '--model', model)
    assert res.returncode == 1 and res.stderr.strip() == f"genderaudio-segment: {tmp_path/'nothing.wav'}: no such file"


def _processes_mentioning(text:str)->list:
    "Ids of the running processes whose command line contains `text`."
    found = []
    for d in Path('/proc').glob('[0-9]*'):
        try:
            if text.encode() in (d/'cmdline').read_bytes(): found.append(int(d.name))
        except OSError: pass
    return found


def _rows(path:Path)->list:
    "Lines of a results file, checking each is complete."
    data = path.read_bytes()
    assert data.endswith(b'\n')
    return data.decode().splitlines()


def test_kill_9_then_resume(model, tmp_path):
    "Kill -9 mid-run loses no finished row and leaves no partial line in FILE; --resume completes the rest in order."
    clips = write_clips(tmp_path/'clips', 200)
    out = tmp_path/'results.csv'
    journal = tmp_path/'results.csv.partial'
    proc = subprocess.Popen([*command('genderaudio-predict'), tmp_path/'clips', '--output', out, '--batch-size', '4', '--workers', '1',
                             '--model', model], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b'\n') > 20: break
        time.sleep(0.02)
    killed = proc.poll() is None
    assert killed, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    time.sleep(1.5)
    assert not _processes_mentioning(str(out)), "a worker process outlived the killed command"
    if killed:
        assert not out.exists()  # FILE appears only complete, by rename
        data = journal.read_bytes()
        finished = data[:data.rfind(b'\n') + 1].decode().splitlines()
        assert finished[0] == HEADER and len(finished) > 20
        before = [r[0] for r in csv.reader(finished[1:])]
        assert before == [str(p) for p in clips[:len(before)]]  # every finished row, in order
    res = run('genderaudio-predict', tmp_path/'clips', '--output', out, '--resume', '--model', model)
    assert res.returncode == 0, res.stderr
    lines = _rows(out)
    assert lines[0] == HEADER and not journal.exists()
    paths = [r[0] for r in csv.reader(lines[1:])]
    assert paths == [str(p) for p in clips]  # each file once, in input order
    if killed: assert lines[1:len(finished)] == finished[1:]  # the rows from before the kill were kept as they were
    res = run('genderaudio-predict', tmp_path/'clips', '--output', out, '--resume', '--model', model)  # nothing left to do
    assert res.returncode == 0 and _rows(out) == lines


def test_ctrl_c_keeps_finished_rows(model, tmp_path):
    "Ctrl-C (SIGINT) ends the run cleanly: exit 130, FILE holds the finished rows, complete."
    write_clips(tmp_path/'clips', 200)
    out = tmp_path/'results.jsonl'
    proc = subprocess.Popen([*command('genderaudio-predict'), tmp_path/'clips', '--output', out, '--batch-size', '4', '--workers', '1',
                             '--model', model], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    journal = tmp_path/'results.jsonl.partial'
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b'\n') > 10: break
        time.sleep(0.02)
    if proc.poll() is not None: pytest.skip("the run finished before it could be interrupted")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and 'Traceback' not in err, err
    rows = [json.loads(l) for l in _rows(out)]
    assert len(rows) >= 10 and not journal.exists()
    time.sleep(1)
    assert not _processes_mentioning(str(out)), "a worker process outlived the interrupted command"


def test_batch_size_below_one_is_a_usage_error(model, clips):
    for size in ('0', '-3'):
        res = run('genderaudio-predict', clips[0], '--batch-size', size, '--model', model)
        assert res.returncode == 2 and f'--batch-size must be at least 1, not {size}' in res.stderr, res.stderr


def test_resume_with_another_format_leaves_the_results_alone(model, clips, tmp_path):
    out = tmp_path/'results.csv'
    assert run('genderaudio-predict', clips[0], '--output', out, '--model', model).returncode == 0
    before = out.read_bytes()
    res = run('genderaudio-predict', *clips, '--output', out, '--resume', '--format', 'json', '--model', model)
    assert res.returncode == 2 and 'cannot resume' in res.stderr and 'Traceback' not in res.stderr, res.stderr
    assert out.read_bytes() == before and not (tmp_path/'results.csv.partial').exists()


def test_resume_knows_a_path_however_it_is_spelt(model, clips, tmp_path):
    out = tmp_path/'results.csv'
    folder = clips[0].parent
    assert run('genderaudio-predict', folder.name, '--output', out, '--model', model, cwd=folder.parent).returncode == 0
    res = run('genderaudio-predict', f'./{folder.name}', '--output', out, '--resume', '--model', model, cwd=folder.parent)
    assert res.returncode == 0, res.stderr
    assert len(out.read_text().splitlines()) == 1 + len(clips)  # nothing classified twice


def test_subfolders_are_named_once_without_recursive(model, clips, tmp_path):
    import shutil
    (tmp_path/'a'/'b').mkdir(parents=True); (tmp_path/'a'/'c').mkdir()
    shutil.copy(clips[0], tmp_path/'a'/'top.wav'); shutil.copy(clips[1], tmp_path/'a'/'b'/'deep.wav')
    res = run('genderaudio-predict', tmp_path/'a', '--format', 'csv', '--model', model)
    assert res.returncode == 0 and len(res.stdout.splitlines()) == 2
    assert res.stderr.count('skipped 1 subfolder with audio files') == 1 and '--recursive' in res.stderr, res.stderr


def test_standard_input_and_version(model, clips):
    res = run('genderaudio-predict', '-', '--format', 'csv', '--model', model, input=None, stdin=open(clips[0], 'rb'))
    assert res.returncode == 0, res.stderr
    row = res.stdout.splitlines()[1].split(',')
    file_row = run('genderaudio-predict', clips[0], '--format', 'csv', '--model', model).stdout.splitlines()[1].split(',')
    assert row[0] == '-' and row[1:] == file_row[1:]
    for name in ('genderaudio-predict', 'genderaudio-segment', 'genderaudio-record'):
        res = run(name, '--version')
        assert res.returncode == 0 and res.stdout.strip().endswith(__import__('genderaudio').__version__), (name, res.stdout, res.stderr)


def test_quiet_is_the_option_that_silences_progress(model):
    res = run('genderaudio-predict', '--help')
    assert '--quiet' in res.stdout and 'no progress bar' in res.stdout and '--no-progress' not in res.stdout


def test_device_that_cannot_be_had_is_one_line(model, clips):
    import onnxruntime
    if 'CUDAExecutionProvider' in onnxruntime.get_available_providers(): pytest.skip('CUDA is available here')
    res = run('genderaudio-predict', clips[0], '--device', 'cuda', '--model', model)
    assert res.returncode == 1 and res.stderr.strip() == (
        "genderaudio-predict: device cuda: this ONNX Runtime has no CUDA provider (pip install 'genderaudio[gpu]')")
    assert run('genderaudio-predict', clips[0], '--device', 'cpu', '--model', model).returncode == 0


def _encode(path, audio, sample_rate=16000, video=False):
    "Write `audio` as AAC in an m4a, or in an MP4 that also holds a small video track (PyAV's FFmpeg)."
    import av, numpy as np
    with av.open(str(path), 'w') as out:
        if video:
            picture = out.add_stream('mpeg4', rate=10); picture.width, picture.height, picture.pix_fmt = 64, 48, 'yuv420p'
        sound = out.add_stream('aac', rate=sample_rate, layout='mono')
        if video:
            for i in range(int(10*len(audio)/sample_rate)):
                frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i % 255, np.uint8), format='rgb24')
                for packet in picture.encode(frame): out.mux(packet)
            for packet in picture.encode(None): out.mux(packet)
        frame = av.AudioFrame.from_ndarray(np.asarray(audio, np.float32)[None], format='fltp', layout='mono'); frame.rate = sample_rate
        for packet in [*sound.encode(frame), *sound.encode(None)]: out.mux(packet)


def test_m4a_and_video_files_are_read(model, tmp_path):
    "Phones record AAC (m4a) and archives hold video: PyAV decodes what libsndfile cannot, in folders too."
    _encode(tmp_path/'voice.m4a', speech()); _encode(tmp_path/'clip.mp4', speech(), video=True)
    sf.write(tmp_path/'voice.wav', speech(), 16000)
    res = run('genderaudio-predict', tmp_path, '--format', 'csv', '--model', model)
    assert res.returncode == 0, res.stderr
    rows = {Path(r[0]).name: r for r in list(csv.reader(io.StringIO(res.stdout)))[1:]}
    assert set(rows) == {'voice.m4a', 'clip.mp4', 'voice.wav'}
    for name in ('voice.m4a', 'clip.mp4'):
        assert rows[name][1:3] == rows['voice.wav'][1:3] and abs(float(rows[name][3]) - float(rows['voice.wav'][3])) < 0.1, rows


def _textgrid_intervals(text:str)->list:
    "(xmin, xmax, text) of every interval of a Praat TextGrid in the long text format."
    import re
    return [(float(a), float(b), t) for a, b, t in re.findall(r'intervals \[\d+\]:\s+xmin = ([\d.]+)\s+xmax = ([\d.]+)\s+text = "([^"]*)"', text)]


def test_segment_many_recordings_into_a_folder(model, tmp_path):
    "Several inputs (a folder and a glob), one file per recording in --output, formats that parse back, --resume."
    import numpy as np
    voice = speech()
    (tmp_path/'in').mkdir()
    for name in ('a', 'b'): sf.write(tmp_path/'in'/f'{name}.wav', np.concatenate([voice, np.zeros(16000, np.float32)]), 16000)
    out = tmp_path/'out'
    for fmt in ('csv', 'rttm', 'textgrid', 'json'):
        res = run('genderaudio-segment', tmp_path/'in'/'a.wav', str(tmp_path/'in'/'b*.wav'), '--output', out, '--format', fmt, '--model', model)
        assert res.returncode == 0, res.stderr
        assert sorted(p.name for p in out.glob(f'*.{fmt}')) == [f'a.{fmt}', f'b.{fmt}'] and not list(out.glob('.*'))
    timeline = list(csv.DictReader(open(out/'a.csv')))
    assert float(timeline[0]['start']) == 0 and abs(float(timeline[-1]['end']) - 5) < 0.05
    intervals = _textgrid_intervals((out/'a.textgrid').read_text())
    assert [(float(r['start']), float(r['end']), r['label']) for r in timeline] == intervals  # the same timeline
    assert all(a[1] == b[0] for a, b in zip(intervals, intervals[1:]))  # the tier is tiled
    rttm = [l.split() for l in (out/'a.rttm').read_text().splitlines()]
    speech_rows = [r for r in timeline if r['label'] != 'no speech']
    assert [(float(l[3]), round(float(l[3]) + float(l[4]), 2), l[7]) for l in rttm] == \
           [(float(r['start']), float(r['end']), r['label']) for r in speech_rows]
    assert json.loads((out/'b.json').read_text())['path'] == str(tmp_path/'in'/'b.wav')
    before = (out/'a.csv').stat().st_mtime_ns
    res = run('genderaudio-segment', tmp_path/'in', tmp_path/'in'/'gone.wav', '--output', out, '--resume', '--model', model)
    assert res.returncode == 1 and 'gone.wav: no such file' in res.stderr  # the missing one fails, the others are done
    assert (out/'a.csv').stat().st_mtime_ns == before  # resumed: not written again


def test_segment_usage_errors(model, tmp_path):
    sf.write(tmp_path/'a.wav', speech(), 16000); (tmp_path/'sub').mkdir(); sf.write(tmp_path/'sub'/'a.wav', speech(), 16000)
    for args, message in (((tmp_path/'a.wav', tmp_path/'sub'/'a.wav', '--output', tmp_path/'o'), "two recordings are named 'a'"),
                          ((tmp_path/'a.wav', tmp_path/'a.wav', '--format', 'textgrid'), 'need --output DIR'),
                          ((tmp_path/'a.wav', '--resume'), '--resume needs --output'),
                          ((tmp_path/'a.wav', '--format', 'xml'), "unknown format 'xml'")):
        res = run('genderaudio-segment', *args, '--model', model)
        assert res.returncode == 2 and message in res.stderr, (args, res.stderr)
