"""Scale and long-file figures (issue 5): memory stays flat and rows stream, whatever the input.

    python experiments/reliability.py [--files 20000] [--resume-files 2000] [--hours 1] [--mp3-minutes 10] [--speech DIR]

1. `genderaudio-predict FOLDER --format csv` on `--files` one-second WAVs (hard links to 7 clips cut from the
   speech in `--speech`, so the folder costs no disk): time to the first row, total time, files per second,
   peak memory (RSS, from wait4) and memory sampled along the run (flat: no growth with the number of files);
2. `genderaudio-predict` on a one-hour WAV and on a ten-minute MP3 of speech: time and peak memory (< 1 GB);
3. `--output` killed with `kill -9` a quarter of the way through `--resume-files` files, then `--resume`:
   the results file is complete, each file once, in input order, no partial line.

Uses the shipped model when there is one, else a model with random weights and the shipped architecture
(same cost). Prints a table and writes experiments/results/reliability.json.
"""
from __future__ import annotations
import argparse, csv, io, json, os, shutil, signal, subprocess, sys, tempfile, threading, time
from pathlib import Path
import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import ROOT, default_model_or_random, long_recording, peak_rss_of, measured, read_peak


def rss_mb(pid:int)->float|None:
    "Current resident memory in MB of process `pid` and its children (GNU time's child), None once it has gone."
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as f: pids = [pid, *map(int, f.read().split())]
        total = 0
        for p in pids:
            with open(f'/proc/{p}/status') as f: total += next(int(l.split()[1]) for l in f if l.startswith('VmRSS:'))
        return total/1024
    except (OSError, StopIteration): return None


def many_files(folder:Path, n:int, speech_dir:str)->Path:
    "`n` one-second WAVs in `folder`: hard links to 7 clips cut from the speech recordings."
    from genderaudio.audio import load_audio
    source = sorted(p for p in Path(speech_dir).glob('*') if p.suffix.lower() in ('.wav', '.flac'))[0]
    voice = load_audio(source)
    folder.mkdir(parents=True, exist_ok=True)
    originals = []
    for i, start in enumerate(np.linspace(0, len(voice) - 16000, 7).astype(int)):
        p = folder/f".source-{i}.wav"; sf.write(p, voice[start:start + 16000], 16000, subtype='PCM_16'); originals.append(p)
    for i in range(n): os.link(originals[i % 7], folder/f"clip-{i:06d}.wav")
    return folder


def streaming_run(cmd:list, n_expected:int)->dict:
    "Run a command writing CSV rows to stdout: time to first row, total, peak and sampled RSS."
    cmd, rss_file = measured(cmd)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    samples, rows, first = [], 0, None
    def sample():
        while proc.poll() is None:
            r = rss_mb(proc.pid)
            if r: samples.append((time.perf_counter() - start, rows, r))
            time.sleep(0.25)
    threading.Thread(target=sample, daemon=True).start()
    header = proc.stdout.readline()
    for line in proc.stdout:
        rows += 1
        if first is None: first = time.perf_counter() - start
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    at = lambda frac: next((r for t, n, r in samples if n >= frac*n_expected), None)
    return dict(rows=rows, header=header.strip(), exit=os.waitstatus_to_exitcode(status), wall_s=wall, files_per_s=rows/wall,
                first_row_s=first, peak_rss_mb=read_peak(rss_file, usage), rss_mb_at_10pct=at(0.1), rss_mb_at_50pct=at(0.5),
                rss_mb_at_90pct=at(0.9))


def kill_and_resume(folder:Path, n:int, model_args:list, tmp:Path)->dict:
    "kill -9 a run with --output a quarter of the way through, then --resume; check the result."
    out, journal = tmp/'results.csv', tmp/'results.csv.partial'
    cmd = ['genderaudio-predict', str(folder), '--output', str(out), *model_args]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b'\n') > n//4: break
        time.sleep(0.05)
    killed = proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL); proc.wait()
    absent = not out.exists()
    data = journal.read_bytes() if journal.exists() else b''
    rows_at_kill = data[:data.rfind(b'\n') + 1].count(b'\n') - 1
    partial_line = not data.endswith(b'\n')
    start = time.perf_counter()
    res = subprocess.run([*cmd, '--resume'], capture_output=True, text=True)
    resume_s = time.perf_counter() - start
    text = out.read_text()
    paths = [r[0] for r in csv.reader(io.StringIO(text))][1:]
    expected = sorted(str(p) for p in folder.glob('clip-*.wav'))
    return dict(killed_mid_run=killed, file_absent_after_kill=absent, rows_at_kill=rows_at_kill, journal_ended_mid_line=partial_line,
                resume_exit=res.returncode, resume_s=resume_s, rows_after_resume=len(paths),
                complete_in_order_once_each=paths == expected, ends_with_newline=text.endswith('\n'), journal_removed=not journal.exists())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--files', type=int, default=20000)
    ap.add_argument('--resume-files', type=int, default=2000)
    ap.add_argument('--hours', type=float, default=1.)
    ap.add_argument('--mp3-minutes', type=float, default=10.)
    ap.add_argument('--speech', default=str(ROOT/'my_wavs'), help="folder of speech recordings")
    ap.add_argument('--out', default=str(ROOT/'experiments'/'results'/'reliability.json'))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix='genderaudio-reliability-'))
    model, model_desc = default_model_or_random(tmp)
    model_args = [] if model is None else ['--model', str(model)]
    results = dict(model=model_desc, load_before=os.getloadavg()[0])

    folder = many_files(tmp/'many', args.files, args.speech)
    results['many_files'] = dict(files=args.files, **streaming_run(['genderaudio-predict', str(folder), '--format', 'csv', *model_args], args.files))

    hour = long_recording(args.speech, 3600*args.hours, tmp/'hour.wav')
    wall, rss, code, out, err = peak_rss_of(['genderaudio-predict', str(hour), '--format', 'csv', *model_args])
    results['long_wav'] = dict(hours=args.hours, wall_s=wall, peak_rss_mb=rss, exit=code, row=out.decode().splitlines()[-1])
    hour.unlink()

    mp3 = tmp/'ten_minutes.mp3'
    wav = long_recording(args.speech, 60*args.mp3_minutes, tmp/'ten.wav')
    audio, sample_rate = sf.read(wav, dtype='float32'); wav.unlink()
    sf.write(mp3, audio, sample_rate, format='MP3', subtype='MPEG_LAYER_III'); del audio
    wall, rss, code, out, err = peak_rss_of(['genderaudio-predict', str(mp3), '--format', 'csv', *model_args])
    results['mp3'] = dict(minutes=args.mp3_minutes, wall_s=wall, peak_rss_mb=rss, exit=code, row=out.decode().splitlines()[-1])

    small = tmp/'resume'; small.mkdir()
    for p in sorted(folder.glob('clip-*.wav'))[:args.resume_files]: os.link(p, small/p.name)
    results['kill_9_resume'] = dict(files=args.resume_files, **kill_and_resume(small, args.resume_files, model_args, tmp))
    results['load_after'] = os.getloadavg()[0]

    m, k = results['many_files'], results['kill_9_resume']
    print(f"model: {model_desc}; load average {results['load_before']:.1f} before, {results['load_after']:.1f} after")
    print(f"{args.files} files: first row after {m['first_row_s']:.2f} s, {m['wall_s']:.0f} s in all ({m['files_per_s']:.0f} files/s), "
          f"peak RSS {m['peak_rss_mb']:.0f} MB; RSS at 10/50/90 % of the rows: {m['rss_mb_at_10pct']}, {m['rss_mb_at_50pct']}, {m['rss_mb_at_90pct']} MB")
    print(f"{args.hours:g} h WAV: {results['long_wav']['wall_s']:.1f} s, peak RSS {results['long_wav']['peak_rss_mb']:.0f} MB")
    print(f"{args.mp3_minutes:g} min MP3: {results['mp3']['wall_s']:.1f} s, peak RSS {results['mp3']['peak_rss_mb']:.0f} MB")
    print(f"kill -9 after {k['rows_at_kill']} of {args.resume_files} rows (journal cut mid-line: {k['journal_ended_mid_line']}); "
          f"--resume: exit {k['resume_exit']} in {k['resume_s']:.1f} s, {k['rows_after_resume']} rows, "
          f"complete/in order/once each: {k['complete_in_order_once_each']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__': main()
