"""Inference speed (issue 4): genderaudio's classifier against the original project's pipeline, in one run.

    python experiments/speed.py [--data AUDIOMNIST_DATA] [--speech DIR] [--n 2000] [--n-original 100] [--hours 1] [--model DIR] [--out FILE]

Measures, with the shipped model when there is one (else a model with random weights and the shipped
architecture, which costs the same):

1. batch classification of one-second clips from WAV files (`GenderClassifier.predict_many`, as
   `genderaudio-predict` runs it): clips per second, wall clock, best of `--repeats`; targets >= 500/s and
   >= 10x the original pipeline;
2. the original pipeline reimplemented sequentially on the same files, one clip at a time: `librosa.load`
   at the file's rate, `librosa.feature.mfcc` (12 coefficients), clipped to 0..255 as uint8, resized to
   224x224 RGB with PIL, written as JPEG and read back, torchvision ResNet-34 (random weights) on the image;
   run with PyTorch's default threads and with one thread, the faster counts;
3. one clip with the model loaded (`predict` on a file): median latency, target < 20 ms;
4. `genderaudio-predict FILE`, the whole process: wall time, target < 5 s;
5. one hour of speech (clips of `--speech` strung together with pauses) through `genderaudio-segment`: wall
   time (target < 60 s) and peak memory;
6. a profile: CPU milliseconds per clip of each stage (read, voicing test, features, network) on one thread.

The clips are cut from AudioMNIST(-style) recordings (`--data`, default $GENDERAUDIO_AUDIOMNIST): each file is
trimmed of silence and centred in exactly one second. Results: a table, and experiments/results/speed.json. The
load average is recorded, since other work on the machine slows everything.
"""
from __future__ import annotations
import argparse, glob, json, os, platform, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent


def default_model_or_random(tmp:Path)->tuple:
    "(model folder or None for the default, description)."
    from genderaudio.inference import default_model_dir
    if (default_model_dir()/'config.json').exists(): return None, f"shipped model ({default_model_dir()})"
    import torch
    from genderaudio.model import build_network, save_model, DEFAULT_ARCHITECTURE
    from genderaudio.features import LOGMEL, fit_image_scale, clip_features
    from genderaudio.audio import synthetic_voice
    torch.manual_seed(0)
    scale = fit_image_scale([clip_features(synthetic_voice(f0, 1.), LOGMEL) for f0 in (110, 220)])
    path = save_model(build_network(DEFAULT_ARCHITECTURE).eval(), tmp/'model', DEFAULT_ARCHITECTURE, LOGMEL, scale, ['female', 'male'])
    return path, "random weights, DEFAULT_ARCHITECTURE, LOGMEL (no model shipped yet)"


def one_second_clips(data:str, n:int, dest:Path)->list:
    "`n` one-second 16-bit WAVs in `dest`, each an AudioMNIST file trimmed of silence and centred."
    from genderaudio.audio import load_audio, trim_silence, fix_length
    files = sorted(glob.glob(os.path.join(data, '*', '*.wav')))
    if not files: raise SystemExit(f"no AudioMNIST-style recordings (SPEAKER/*.wav) in {data}: pass --data")
    pick = np.random.default_rng(0).choice(len(files), n, replace=n > len(files))
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for i, k in enumerate(pick):
        audio = load_audio(files[k]); trimmed = trim_silence(audio)
        path = dest/f"{i:05d}.wav"; sf.write(path, fix_length(trimmed if len(trimmed) else audio, 16000), 16000, subtype='PCM_16')
        out.append(str(path))
    return out


def long_recording(speech_dir:str, seconds:float, path:Path, sample_rate:int=16000)->Path:
    "A 16-bit WAV of `seconds` of speech: the recordings in `speech_dir` in turn, with 0.3-2 s pauses; written in blocks."
    from genderaudio.audio import load_audio
    sources = sorted(p for p in glob.glob(os.path.join(speech_dir, '**', '*'), recursive=True)
                     if p.lower().endswith(('.wav', '.flac')))[:300]
    clips = [load_audio(p, sample_rate) for p in sources]
    rng = np.random.default_rng(0)
    written, i = 0, 0
    with sf.SoundFile(path, 'w', sample_rate, 1, subtype='PCM_16') as f:
        while written < seconds*sample_rate:
            piece = np.concatenate([clips[i % len(clips)], np.zeros(int(rng.uniform(0.3, 2.)*sample_rate), np.float32)])[:int(seconds*sample_rate) - written]
            f.write(piece); written += len(piece); i += 1
    return path


def measured(cmd:list)->tuple:
    "(command prefixed to report its peak RSS, file the figure lands in): GNU time when present."
    if not os.path.exists('/usr/bin/time'): return cmd, None
    fd, path = tempfile.mkstemp(suffix='.rss'); os.close(fd)
    return ['/usr/bin/time', '-q', '-f', '%M', '-o', path, *cmd], path


def read_peak(path:str|None, usage)->float:
    "Peak RSS in MB: GNU time's figure for the command itself, else wait4's (which can include this process's memory)."
    if path:
        try: return int(Path(path).read_text().split()[-1])/1024
        except (OSError, ValueError, IndexError): pass
        finally: Path(path).unlink(missing_ok=True)
    return usage.ru_maxrss/1024


def peak_rss_of(cmd:list, **kwargs)->tuple:
    "(wall seconds, peak RSS MB, returncode, stdout bytes, stderr bytes) of a command."
    cmd, rss_file = measured(cmd)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, **kwargs)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0); err.seek(0)
        return wall, read_peak(rss_file, usage), proc.returncode, out.read(), err.read()


def original_pipeline(paths:list, threads:int|None)->float:
    "Clips per second of the original notebook's way, one clip at a time, sequentially."
    import librosa, torch, torchvision
    from PIL import Image
    if threads: torch.set_num_threads(threads)
    net = torchvision.models.resnet34(weights=None).eval()
    tmp = Path(tempfile.mkdtemp())
    def one(path, i):
        y, sample_rate = librosa.load(path, sr=None)
        win, hop = int(round(0.025*sample_rate)), int(round(0.010*sample_rate))
        mfcc = librosa.feature.mfcc(y=y, sr=sample_rate, n_mfcc=12, n_fft=1 << (win - 1).bit_length(), hop_length=hop, win_length=win,
                                    window='hann', center=False, n_mels=40, lifter=22)
        Image.fromarray(np.clip(mfcc, 0, 255).astype(np.uint8)).resize((224, 224)).convert('RGB').save(tmp/f"{i}.jpg")
        image = np.asarray(Image.open(tmp/f"{i}.jpg").convert('RGB'), dtype=np.float32)/255
        with torch.no_grad(): return net(torch.from_numpy(image).permute(2, 0, 1)[None]).argmax(1).item()
    one(paths[0], 0)  # warm-up
    start = time.perf_counter()
    for i, p in enumerate(paths): one(p, i)
    return len(paths)/(time.perf_counter() - start)


def stage_profile(clf, paths:list)->dict:
    "CPU milliseconds per clip of each stage, single-threaded, on `paths`."
    from genderaudio.audio import _read_chunks
    from genderaudio.speech import voiced_frames
    from genderaudio.inference import single_threaded_math
    cpu = time.process_time
    with single_threaded_math():
        t = cpu(); audios = [next(_read_chunks(p, clf.features.sample_rate)) for p in paths]; read = cpu() - t
        t = cpu(); [voiced_frames(a, clf.features.sample_rate, clf.voicing) for a in audios]; voicing = cpu() - t
        t = cpu(); images = np.stack([clf.clip_image(a) for a in audios]); feats = cpu() - t
        clf.logits(images[:64]); t = cpu(); clf.logits(images); net = cpu() - t
    n = len(paths)
    return {'read': 1e3*read/n, 'voicing test': 1e3*voicing/n, 'trim+features+image': 1e3*feats/n, 'network': 1e3*net/n,
            'total': 1e3*(read + voicing + feats + net)/n}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default=os.environ.get('GENDERAUDIO_AUDIOMNIST', ''), help="AudioMNIST(-style) data folder (SPEAKER/*.wav)")
    ap.add_argument('--speech', default=str(ROOT/'my_wavs'), help="folder of speech recordings for the one-hour file")
    ap.add_argument('--n', type=int, default=2000, help="one-second clips for the batch measurement")
    ap.add_argument('--n-original', type=int, default=100, help="clips through the (slow) original pipeline")
    ap.add_argument('--hours', type=float, default=1.)
    ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--model', default=None, help='a model folder to measure instead of the shipped one (e.g. an earlier release\'s, to compare on the same machine)')
    ap.add_argument('--out', default=str(ROOT/'experiments'/'results'/'speed.json'))
    args = ap.parse_args()
    from genderaudio.inference import GenderClassifier
    tmp = Path(tempfile.mkdtemp(prefix='genderaudio-speed-'))
    model, model_desc = (args.model, f'model {args.model}') if args.model else default_model_or_random(tmp)
    model_args = [] if model is None else ['--model', str(model)]
    results = dict(machine=dict(python=platform.python_version(), cpus=os.cpu_count(), processor=platform.processor() or platform.machine()),
                   model=model_desc, load_before=os.getloadavg()[0])
    paths = one_second_clips(args.data, args.n, tmp/'clips')
    clf = GenderClassifier(model)

    # 6. profile first (it guided the optimisation)
    results['profile_cpu_ms_per_clip'] = stage_profile(clf, paths[:300])

    # 1. batch classification
    clf.predict_many(paths[:100])
    best = 0.
    for _ in range(args.repeats):
        start = time.perf_counter(); predictions = clf.predict_many(paths); wall = time.perf_counter() - start
        best = max(best, len(paths)/wall)
    results['batch_clips_per_s'] = best
    results['batch_labels'] = {l: sum(p.label == l for p in predictions) for l in ('female', 'male', 'no speech', 'error')}

    # 2. original pipeline
    sub = paths[:args.n_original]
    results['original_clips_per_s'] = max(original_pipeline(sub, None), original_pipeline(sub, 1))
    results['speedup'] = results['batch_clips_per_s']/results['original_clips_per_s']

    # 3. one clip, model loaded
    for p in paths[:5]: clf.predict(p)
    times = []
    for p in paths[:100]:
        start = time.perf_counter(); clf.predict(p); times.append(time.perf_counter() - start)
    results['one_clip_ms_median'] = 1e3*statistics.median(times)
    results['one_clip_ms_p90'] = 1e3*float(np.percentile(times, 90))

    # 4. the command on one file, whole process
    walls = [peak_rss_of(['genderaudio-predict', paths[0], *model_args])[0] for _ in range(3)]
    results['cli_one_file_s'] = min(walls); results['cli_one_file_s_all'] = walls

    # 5. one hour through genderaudio-segment
    big = long_recording(args.speech, 3600*args.hours, tmp/'hour.wav')
    wall, rss, code, out, err = peak_rss_of(['genderaudio-segment', str(big), '--format', 'csv', *model_args])
    if code: print(err.decode(), file=sys.stderr)
    results['segment_hours'] = args.hours
    results['segment_s'] = wall; results['segment_peak_rss_mb'] = rss; results['segment_segments'] = out.decode().count('\n') - 1
    results['load_after'] = os.getloadavg()[0]

    rows = [('batch, one-second clips from files', f"{results['batch_clips_per_s']:.0f} clips/s", ">= 500 clips/s"),
            ('original pipeline, sequential', f"{results['original_clips_per_s']:.1f} clips/s", ''),
            ('speed-up over the original', f"{results['speedup']:.0f}x", '>= 10x'),
            ('one clip, model loaded (median)', f"{results['one_clip_ms_median']:.1f} ms", '< 20 ms'),
            ('genderaudio-predict FILE, whole process', f"{results['cli_one_file_s']:.2f} s", '< 5 s'),
            (f"genderaudio-segment, {args.hours:g} h of speech", f"{results['segment_s']:.1f} s, peak {rss:.0f} MB", '< 60 s')]
    print(f"model: {model_desc}; load average {results['load_before']:.1f} before, {results['load_after']:.1f} after; {os.cpu_count()} CPUs")
    print(f"{'measurement':<44} {'result':>24}  target")
    for name, value, target in rows: print(f"{name:<44} {value:>24}  {target}")
    print("profile (CPU ms per clip, one thread): " + ', '.join(f"{k} {v:.2f}" for k, v in results['profile_cpu_ms_per_clip'].items()))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")
    import shutil; shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__': main()
