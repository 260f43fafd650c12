"""Throughput of `--cluster` (issue 18): genderaudio-predict on 20,000 one-second clips and genderaudio-segment on
ten one-hour recordings, plain (one process and one preparing worker, what `--workers auto` gives on an idle
2-core machine) and with `--cluster local:1` and `--cluster local:2`.

    python experiments/cluster.py [--work runs/bench_cluster] [--clips 20000] [--hours 10]

The audio is real speech: the example recordings in my_wavs/ cut into one-second clips, and strung together
with pauses into hour-long FLAC files. Each run is a separate command, as a user runs it, writing `--output`;
its process tree is sampled every 0.2 s for the command's own CPU time (the client's cost, with --cluster) and memory (peak RSS of the command itself, and the largest peak of any
one child process: a preparing worker, or a Dask worker; the Dask nanny processes are counted as children too).
The rows of every clustered run are checked to be those of the plain run. Results: experiments/results/cluster.json
and a table. Run it on an otherwise idle machine: the figures are wall clock.
"""
from __future__ import annotations
import argparse, json, os, platform, subprocess, time
from pathlib import Path
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'experiments'/'results'/'cluster.json'
MODES = {'plain': ['--workers', '1'], 'local:1': ['--cluster', 'local:1'], 'local:2': ['--cluster', 'local:2']}


def speech()->list:
    "The example recordings at 16 kHz."
    from genderaudio.audio import load_audio
    return [load_audio(p, 16000) for p in sorted((ROOT/'my_wavs').glob('*.wav'))]


def make_clips(folder:Path, n:int)->Path:
    "`n` one-second WAV clips cut from the examples (made once)."
    folder.mkdir(parents=True, exist_ok=True)
    if len(list(folder.glob('*.wav'))) == n: return folder
    voices, rng = speech(), np.random.default_rng(0)
    for i in range(n):
        v = voices[i % len(voices)]; start = rng.integers(0, len(v) - 16000)
        sf.write(folder/f'clip-{i:05d}.wav', v[start:start + 16000], 16000, subtype='PCM_16')
    return folder


def make_hours(folder:Path, n:int)->Path:
    "`n` one-hour FLAC recordings of the examples one after another with 0.5-3 s pauses (made once)."
    folder.mkdir(parents=True, exist_ok=True)
    voices, rng = speech(), np.random.default_rng(1)
    for i in range(n):
        path = folder/f'hour-{i:02d}.flac'
        if path.exists(): continue
        with sf.SoundFile(str(path) + '.tmp', 'w', 16000, 1, 'PCM_16', format='FLAC') as f:
            written = 0
            while written < 3600*16000:
                piece = np.concatenate([voices[rng.integers(len(voices))], np.zeros(int(rng.uniform(0.5, 3)*16000), np.float32)])
                f.write(piece); written += len(piece)
        os.replace(str(path) + '.tmp', path)
    return folder


def measure(command:list)->dict:
    "Run `command`; wall seconds, exit status, peak RSS (MB) of the command and of its largest child."
    import psutil
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    main, children, cpu = 0, {}, 0.
    top = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            main = max(main, top.memory_info().rss); cpu = sum(top.cpu_times()[:2])
            for c in top.children(recursive=True):
                try: children[c.pid] = max(children.get(c.pid, 0), c.memory_info().rss)
                except psutil.Error: pass
        except psutil.Error: pass
        time.sleep(0.2)
    seconds = time.monotonic() - started
    err = proc.stderr.read()
    return dict(seconds=round(seconds, 2), returncode=proc.returncode, cpu_seconds=round(cpu, 2), peak_mb=round(main/2**20), children=len(children),
                peak_child_mb=round(max(children.values(), default=0)/2**20), stderr_tail=err[-300:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work', default='runs/bench_cluster', help='folder for the generated audio and the outputs')
    parser.add_argument('--clips', type=int, default=20000)
    parser.add_argument('--hours', type=int, default=10)
    parser.add_argument('--modes', nargs='+', default=list(MODES), choices=list(MODES))
    args = parser.parse_args()
    work = Path(args.work)
    clips, hours = make_clips(work/'clips', args.clips), make_hours(work/'hours', args.hours)
    results = dict(machine=f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}", clips=args.clips,
                   hours=args.hours, load_before=os.getloadavg()[0], runs={})
    rows = {}
    for mode in args.modes:
        out = work/f'predict-{mode.replace(":", "")}.csv'
        out.unlink(missing_ok=True)
        r = measure(['genderaudio-predict', str(clips), '--output', str(out), '--quiet', *MODES[mode]])
        r['files_per_second'] = round(args.clips/r['seconds'], 1)
        rows[mode] = out.read_text()
        r['rows_equal_plain'] = rows[mode] == rows.get('plain', rows[mode])
        results['runs'][f'predict {mode}'] = r
        print(f"predict {mode}: {r['seconds']} s, {r['files_per_second']} files/s, peak {r['peak_mb']} MB, "
              f"largest child {r['peak_child_mb']} MB, rows equal {r['rows_equal_plain']}", flush=True)
        target = work/f'segment-{mode.replace(":", "")}'
        if target.exists(): [p.unlink() for p in target.iterdir()]
        seg_args = MODES[mode] if mode != 'plain' else []
        r = measure(['genderaudio-segment', str(hours), '--output', str(target), '--quiet', *seg_args])
        r['audio_hours_per_hour'] = round(args.hours*3600/r['seconds'], 1)
        timelines = {p.name: p.read_text() for p in sorted(target.iterdir())}
        rows[f'segment {mode}'] = timelines
        r['rows_equal_plain'] = timelines == rows.get('segment plain', timelines)
        results['runs'][f'segment {mode}'] = r
        print(f"segment {mode}: {r['seconds']} s ({r['audio_hours_per_hour']} hours of audio an hour), peak {r['peak_mb']} MB, "
              f"largest child {r['peak_child_mb']} MB, rows equal {r['rows_equal_plain']}", flush=True)
    results['load_after'] = os.getloadavg()[0]
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = {**saved.get('runs', {}), **results.pop('runs')}  # a rerun of some modes replaces only theirs
    saved.update(results, runs=runs); tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(saved, indent=1)); tmp.replace(RESULTS)


if __name__ == '__main__':
    main()
