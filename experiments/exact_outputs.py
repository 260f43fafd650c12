"""Every output of the shipped model, exactly, so that a refactor can show it changed none of them.

Writes, as exact float reprs: `predict` (label, kind, p_female, speech seconds) of every file in `my_wavs/`, `predict`
of an hour-long recording made of them (`cluster.make_hours`), and every segment `segment` gives it.
Run it with the code before and after a change and compare the two files:

    git worktree add /tmp/before HEAD~1
    PYTHONPATH=/tmp/before python /tmp/before/experiments/exact_outputs.py runs/before.json
    python experiments/exact_outputs.py runs/after.json
    cmp runs/before.json runs/after.json
"""
import argparse, json
from pathlib import Path
from genderaudio.inference import GenderClassifier
from cluster import make_hours  # experiments/cluster.py: the examples one after another with pauses

MY_WAVS = Path(__file__).parent.parent/'my_wavs'


def exact(p)->list: return [p.label, p.kind, repr(p.p_female), repr(p.speech_seconds)]


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='JSON file to write')
    parser.add_argument('--hours', default='runs/bench_cluster/hours', help='folder of the hour-long recording (made if missing)')
    args = parser.parse_args()
    classifier, hour = GenderClassifier(), make_hours(Path(args.hours), 1)/'hour-00.flac'
    out = {p.name: exact(classifier.predict(p)) for p in sorted(MY_WAVS.glob('*.wav'))}
    out['hour'] = exact(classifier.predict(hour))
    out['hour_segments'] = [[repr(s.start), repr(s.end), s.label, repr(s.p_female)] for s in classifier.segment(hour)]
    Path(args.out).write_text(json.dumps(out, indent=0))
    print(f"{len(out) - 2} clips, 1 h: {out['hour']}, {len(out['hour_segments'])} segments -> {args.out}")
