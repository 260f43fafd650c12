"""Every output of the shipped model, exactly, so that a refactor can show it changed none of them.

Writes, as exact float reprs: `predict` (label, kind, p_female, speech seconds) of every file in `my_wavs/`, `predict`
of an hour-long recording made of them (pauses of 0.2-3 s, faint noise), and every segment `segment` gives it.
Run it with the code before and after a change and compare the two files:

    git worktree add /tmp/before HEAD~1
    PYTHONPATH=/tmp/before python experiments/exact_outputs.py runs/before.json
    python experiments/exact_outputs.py runs/after.json
    cmp runs/before.json runs/after.json
"""
import argparse, json
from pathlib import Path
import numpy as np, soundfile as sf
from genderaudio.inference import GenderClassifier

MY_WAVS = Path(__file__).parent.parent/'my_wavs'


def hour_recording(path:Path, seconds:int=3600, sample_rate:int=16000)->Path:
    "The `my_wavs/` clips one after another with random pauses and faint noise, `seconds` long (made once)."
    if path.exists(): return path
    rng, pieces, n = np.random.default_rng(0), [], 0
    files = sorted(MY_WAVS.glob('*.wav'))
    while n < seconds*sample_rate:
        audio, rate = sf.read(files[len(pieces) % len(files)], dtype='float32'); assert rate == sample_rate
        gap = np.zeros(int(rng.uniform(0.2, 3)*sample_rate), np.float32)
        pieces += [audio, gap]; n += len(audio) + len(gap)
    audio = np.concatenate(pieces)[:seconds*sample_rate]
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio + 0.002*rng.standard_normal(len(audio)).astype(np.float32), sample_rate)
    return path


def exact(p)->list: return [p.label, p.kind, repr(p.p_female), repr(p.speech_seconds)]


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='JSON file to write')
    parser.add_argument('--hour', default='runs/hour.flac', help='the hour-long recording (made if missing)')
    args = parser.parse_args()
    classifier, hour = GenderClassifier(), hour_recording(Path(args.hour))
    out = {p.name: exact(classifier.predict(p)) for p in sorted(MY_WAVS.glob('*.wav'))}
    out['hour'] = exact(classifier.predict(hour))
    out['hour_segments'] = [[repr(s.start), repr(s.end), s.label, repr(s.p_female)] for s in classifier.segment(hour)]
    Path(args.out).write_text(json.dumps(out, indent=0))
    print(f"{len(out) - 2} clips, 1 h: {out['hour']}, {len(out['hour_segments'])} segments -> {args.out}")
