"""Speaker turns: how usable is `GenderClassifier.segment`'s timeline on conversations of unheard voices?

Each mixture is five minutes of alternating speaker turns: utterances of LibriSpeech speakers the model never trained
on (its config's validation speakers), a turn being one or two utterances of one reader, the next turn a reader of the
other gender, with pauses of 0.2-0.8 s between utterances and turns. Reported per mixture, then the mean:

- speech segments in the timeline, against the number of turns;
- gender frame accuracy on the speech (10 ms frames inside turns), and the share of speech given a gender;
- gender changes found within 0.5 s of a true one (recall), changes found that are not true (per 5 minutes);
- each turn classified whole (`predict` on its samples): the share right, and the change recall a timeline would have
  if it knew the turns' boundaries exactly (consecutive turns given different labels): the ceiling the gender model
  itself sets on change recall.

The switch penalty trades the two kinds of turn against each other: on these long turns a higher one removes false
changes, on short turns (`--turn-seconds 1.5 4`) it swallows real ones, so `segment` keeps 3.

    python experiments/turns.py --labels ../shared/data/librispeech_train100/labels.csv --mixtures 5
    python experiments/turns.py --min-gap 1 --name min_gap_1   # other settings of the timeline
    python experiments/turns.py --switch-penalty 10 --name switch_10
    python experiments/turns.py --turn-seconds 1.5 4 --name short_turns   # turns of 1.5-4 s: one cropped utterance each
    python experiments/turns.py --no-speaker-turns --name no_speaker_turns   # without comparing the voices either side of a change
    python experiments/turns.py --no-detector --name no_detector   # the gender model alone, without the speech/music/noise detector

Results go to experiments/results/turns.json under `--name` (default: the model's folder name).
"""
import argparse, json, os
from pathlib import Path
import numpy as np

from genderaudio.corpora import read_labels
from genderaudio.audio import load_audio
from genderaudio.inference import GenderClassifier

RESULTS = Path(__file__).parent/'results'/'turns.json'
SR = 16000


def mixture(table, rng, seconds=300., turn_seconds=None):
    "Samples of alternating-gender turns and the turns' (start, end, gender) in seconds (`turn_seconds`: (lo, hi) crops of one utterance)."
    by_gender = {g: rows for g, rows in table.groupby('gender')}
    gender, pieces, turns, t = rng.choice(['female', 'male']), [], [], 0.
    while t < seconds:
        speaker = rng.choice(by_gender[gender].speaker.unique())
        files = by_gender[gender][by_gender[gender].speaker == speaker].path.tolist()
        start = t
        for path in rng.choice(files, size=1 if turn_seconds else min(len(files), int(rng.integers(1, 3))), replace=False):
            audio = load_audio(path, SR)
            if turn_seconds:
                n = int(rng.uniform(*turn_seconds)*SR); first = rng.integers(0, max(1, len(audio) - n)); audio = audio[first:first + n]
            pieces.append(audio); t += len(audio)/SR
            pause = np.zeros(int(rng.uniform(0.2, 0.8)*SR), np.float32); pieces.append(pause); t += len(pause)/SR
        turns.append((start, t - len(pieces[-1])/SR, gender))
        gender = 'male' if gender == 'female' else 'female'
    return np.concatenate(pieces), turns


def score(segments, turns, tolerance=0.5):
    "The figures of one timeline against the true turns."
    grid = np.arange(0, turns[-1][1], 0.01)
    truth = np.full(len(grid), '', object)
    for s, e, g in turns: truth[(grid >= s) & (grid < e)] = g
    said = np.full(len(grid), 'no speech', object)
    for seg in segments: said[(grid >= seg.start) & (grid < seg.end)] = seg.label
    in_turn = truth != ''
    spoken = [s for s in segments if s.label in ('female', 'male')]
    found = [(a.end + b.start)/2 for a, b in zip(spoken, spoken[1:]) if a.label != b.label]
    true = [(a[1] + b[0])/2 for a, b in zip(turns, turns[1:])]
    hits = sum(any(abs(f - c) <= tolerance for f in found) for c in true)
    false = sum(not any(abs(f - c) <= tolerance for c in true) for f in found)
    return dict(turns=len(turns), speech_segments=len(spoken), gender_frame_accuracy=float((said[in_turn] == truth[in_turn]).mean()),
                speech_given_gender=float(np.isin(said[in_turn], ['female', 'male']).mean()),
                change_recall=hits/max(len(true), 1), false_changes_per_5_min=false*300/turns[-1][1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--labels', default=os.environ.get('GENDERAUDIO_LABELS', '').split(':')[0],
                        help='LibriSpeech labels.csv (default: the first of $GENDERAUDIO_LABELS)')
    parser.add_argument('--model', default=None)
    parser.add_argument('--mixtures', type=int, default=5)
    parser.add_argument('--min-gap', type=float, default=0.5)
    parser.add_argument('--min-duration', type=float, default=1.)
    parser.add_argument('--switch-penalty', type=float, default=None, help="cost of a change of label (default: `segment`'s)")
    parser.add_argument('--speaker-turns', action=argparse.BooleanOptionalAction, default=True, help="`segment`'s speaker_turns: a change of label where the voice stays alike is dear")
    parser.add_argument('--detector', action=argparse.BooleanOptionalAction, default=True, help='the speech/music/noise detector in front (`--no-detector`: the gender model alone)')
    parser.add_argument('--turn-seconds', type=float, nargs=2, default=None, help='short turns: one utterance cropped to LO-HI seconds')
    parser.add_argument('--name', default=None)
    args = parser.parse_args()
    classifier = GenderClassifier.load(args.model, **({} if args.detector else dict(detector=None)))
    corpus = read_labels(args.labels).assign(key=lambda d: 'librispeech_train100/' + d.speaker.astype(str))
    unheard = corpus[corpus.key.isin(set(classifier.config.get('validation_speakers', [])))]
    runs = []
    for seed in range(args.mixtures):
        audio, turns = mixture(unheard, np.random.default_rng(seed), turn_seconds=args.turn_seconds)
        options = dict(min_gap=args.min_gap, min_duration=args.min_duration, speaker_turns=args.speaker_turns) | ({} if args.switch_penalty is None else dict(switch_penalty=args.switch_penalty))
        runs.append(score(classifier.segment(audio, SR, **options), turns))
        verdicts = [classifier.predict(audio[int(a*SR):int(b*SR)], SR).label for a, b, _ in turns]  # each turn classified whole
        runs[-1].update(turns_right=float(np.mean([v == g for v, (_, _, g) in zip(verdicts, turns)])),
                        change_recall_if_turns_known=float(np.mean([a != b for a, b in zip(verdicts, verdicts[1:])])))
        print(json.dumps(runs[-1]), flush=True)
    mean = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
    print('mean', json.dumps(mean))
    name = args.name or Path(classifier.directory).name
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = dict(model=str(classifier.directory), min_gap=args.min_gap, min_duration=args.min_duration, switch_penalty=args.switch_penalty, speaker_turns=args.speaker_turns, detector=args.detector, turn_seconds=args.turn_seconds, speakers=int(unheard.speaker.nunique()), mixtures=runs, mean=mean)
    tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(RESULTS)


if __name__ == '__main__':
    main()
