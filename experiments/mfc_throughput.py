"""JPEG generation throughput: genderaudio's dataset builder against the original project's method.

    python experiments/mfc_throughput.py --data $GENDERAUDIO_AUDIOMNIST [--n N] [--workers W] [--kinds mfc logmel] [--scratch DIR]

Both pipelines turn the same N AudioMNIST clips into JPEGs on disk, in the same run:

- original: a sequential reimplementation of the original notebook, in this one process: `librosa.load` at the
  file's own rate, `librosa.feature.mfcc` (12 coefficients, 25 ms Hann window, 10 ms hop, 40 mels, lifter 22, no
  centring), the raw coefficients clipped to 0..255 as uint8, resized to 224x224 and converted to RGB with PIL,
  saved as JPEG. It runs with numpy/BLAS threading as the notebook left it (once: on a busy 2-core machine BLAS
  threads fighting over the cores make it the slow one), and with BLAS limited to one thread; the ratios are taken
  against the faster of the two.
- ours: `genderaudio.dataset.build_mfc_dataset` on all cores, timed end to end (listing, worker start-up,
  images, maps; the image scale is fitted beforehand and timed separately, as a build reuses it), once with the
  original's features (`--kind mfc`: the same 12-coefficient MFC, like for like) and once with the log-mel images the
  shipped model uses (`--kind logmel`, the default of `genderaudio-mfc`: a 1024-point FFT and 64 bands, more work).
  The headline ratio is the like-for-like one (mfc); both are reported.

Both write their JPEGs under `--scratch` (default: the system temporary folder). On the development VMs creating a
small file costs anywhere from 0.03 to 0.8 ms from one minute to the next (the virtual disk, not the code), the same for
both pipelines; `--scratch /dev/shm` (memory) takes that noise out and measures the pipelines themselves.

Clips per second are wall-clock; each pipeline's best of `--repeats` runs counts. The load average is recorded
before and after, since other work on the machine slows both. Results go to experiments/results/mfc_throughput.json.
"""
from __future__ import annotations
import argparse, contextlib, json, os, platform, shutil, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np


def original_method(paths:list, dest:Path)->None:
    "The original notebook's preprocessing, sequentially: librosa MFCC -> uint8 -> 224x224 RGB JPEG."
    import librosa
    from PIL import Image
    for i, path in enumerate(paths):
        y, sample_rate = librosa.load(path, sr=None)
        win, hop = int(round(0.025*sample_rate)), int(round(0.010*sample_rate))
        coefficients = librosa.feature.mfcc(y=y, sr=sample_rate, n_mfcc=12, n_fft=1 << (win - 1).bit_length(), hop_length=hop,
                                            win_length=win, window='hann', center=False, n_mels=40, lifter=22)
        image = Image.fromarray(np.clip(coefficients, 0, 255).astype(np.uint8)).resize((224, 224)).convert('RGB')
        image.save(dest/f"{i}_{Path(path).stem}.jpg")


def cpu_seconds()->float:
    "CPU time used so far by this process and its finished children (our workers)."
    import resource
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, *args)->tuple[float, float]:
    "Wall-clock and CPU seconds `fn(*args)` takes."
    start, cpu = time.perf_counter(), cpu_seconds(); fn(*args)
    return time.perf_counter() - start, cpu_seconds() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default=os.environ.get('GENDERAUDIO_AUDIOMNIST'), help='AudioMNIST-layout data folder')
    parser.add_argument('--n', type=int, default=600, help='clips (spread evenly over the corpus; 0: all)')
    parser.add_argument('--workers', type=int, default=None, help='our worker processes (default: all cores)')
    parser.add_argument('--kinds', nargs='+', choices=['mfc', 'logmel'], default=['mfc', 'logmel'], help='our features (the first gives the headline ratio)')
    parser.add_argument('--repeats', type=int, default=2, help='runs of each pipeline; the best counts')
    parser.add_argument('--scratch', default=None, help='folder the JPEGs are written under (default: the system temporary folder)')
    parser.add_argument('--results', default=str(Path(__file__).parent/'results'/'mfc_throughput.json'))
    args = parser.parse_args()
    if not args.data: parser.error('give --data or set GENDERAUDIO_AUDIOMNIST')

    from genderaudio.corpora import audiomnist_sources
    from genderaudio.dataset import build_mfc_dataset, fit_dataset_scale, default_workers, _one_blas_thread
    from genderaudio.features import KINDS
    sources = audiomnist_sources(args.data)
    if args.n and args.n < len(sources): sources = sources.iloc[np.linspace(0, len(sources) - 1, args.n).round().astype(int)]
    paths = list(sources.path)
    workers = args.workers or default_workers()
    load_before = os.getloadavg()
    print(f"{len(paths)} clips of {args.data}; {os.cpu_count()} cores; load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")

    scratch = Path(tempfile.mkdtemp(prefix="mfc_bench_", dir=args.scratch))
    try:
        warnings.filterwarnings('ignore')
        scales, fit_seconds = {}, {}
        for kind in args.kinds:
            start = time.perf_counter()
            scales[kind] = fit_dataset_scale(sources, KINDS[kind], workers=workers)[0]
            fit_seconds[kind] = round(time.perf_counter() - start, 2)
        original_method(paths[:5], scratch)  # imports and first-call costs, not counted
        runs = {'original': [], 'original_1_blas_thread': []} | {f'ours_{kind}': [] for kind in args.kinds}
        per_cpu = {name: [] for name in runs}
        for repeat in range(args.repeats):
            for name in runs:
                if name == 'original' and repeat: continue
                dest = scratch/f"{name}_{repeat}"
                dest.mkdir()
                if name.startswith('ours_'):
                    kind = name[5:]
                    seconds, cpu = timed(lambda: build_mfc_dataset(sources, dest/'images', dest/'maps', KINDS[kind], scales[kind], workers, progress=False))
                    assert len(list((dest/'images').rglob('*.jpg'))) == len(paths)
                else:
                    with (_one_blas_thread() if name.endswith('thread') else contextlib.nullcontext()):
                        seconds, cpu = timed(original_method, paths, dest)
                runs[name].append(len(paths)/seconds); per_cpu[name].append(len(paths)/cpu)
                print(f"  {name:24s} run {repeat + 1}: {len(paths)/seconds:7.1f} clips/s ({len(paths)/cpu:6.1f} per CPU second)")
                shutil.rmtree(dest)
    finally: shutil.rmtree(scratch, ignore_errors=True)

    best = {name: max(values) for name, values in runs.items()}
    reference = max(best['original'], best['original_1_blas_thread'])
    load_after = os.getloadavg()
    ratios = {kind: round(best[f'ours_{kind}']/reference, 2) for kind in args.kinds}
    result = dict(clips=len(paths), workers=workers, cores=os.cpu_count(),
                  clips_per_second={name: round(v, 1) for name, v in best.items()},
                  ratio=ratios[args.kinds[0]], ratio_kind=args.kinds[0], ratios=ratios,
                  runs={k: [round(v, 1) for v in vs] for k, vs in runs.items()},
                  clips_per_cpu_second={k: round(max(vs), 1) for k, vs in per_cpu.items()},
                  scale_fit_seconds=fit_seconds, load_average_before=[round(v, 2) for v in load_before],
                  load_average_after=[round(v, 2) for v in load_after], machine=platform.platform(),
                  python=platform.python_version(), date=time.strftime('%Y-%m-%d %H:%M:%S'),
                  command=' '.join(['python', *sys.argv]))
    print(f"original: {best['original']:.1f} clips/s (default BLAS threads), {best['original_1_blas_thread']:.1f} clips/s (1 BLAS thread)")
    for kind in args.kinds:
        print(f"ours ({kind}, {workers} workers): {best[f'ours_{kind}']:.1f} clips/s = {ratios[kind]:.2f}x the faster original")
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    Path(args.results).write_text(json.dumps(result, indent=1) + '\n')
    print(f"written to {args.results}")


if __name__ == '__main__': main()
