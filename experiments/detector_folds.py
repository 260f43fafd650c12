"""The detector's recipe judged on every music track once: the tracks in name order are cut into four folds, a
detector is trained on three (with the shipped detector's speech corpora and settings) and judged on the fourth,
as `experiments/detector.py` judges the shipped one. Which 15 tracks are held out decided more than the recipe
(`detector_tape_speed.json`), so a recipe is adopted only where it wins across the folds.

    python experiments/detector_folds.py --corpora-root ../shared/data --music DIR [DIR ...] --recipe tape --folds 0 1 2 3
    python experiments/detector_folds.py ... --recipe tape --speech-odds 4 --first-mixture 10   # the same detectors, a setting chosen on other mixtures
    python experiments/detector_folds.py ... --recipe tape --name tape@edge   # the same detectors judged again after a change of `segment`
    python experiments/detector_folds.py ... --recipe tape --first-mixture 20   # the same detectors on ten more mixtures, used for no choice (tape@m20)

Recipes: `plain` (the one before), `tape` (shipped: half the track excerpts played up to 4 semitones faster or slower),
`beats` (half the generated music a drum loop, `synthetic_beat`), `tape_beats` (both) and `tape_words` (tape, and 30 % of
every class cut to one short stretch amid silence, `isolated`): settings of `detector_examples`.
Per fold: whole files (held-out music excerpts, held-out speech; `--n` per set); `--mixtures` five-minute mixtures
through `segment` (music and noise frames given a gender, audible speech given a gender, changes found); and per
held-out track, the share of its windows the detector scores speech-like enough to tip a timeline to speech.
With `--hold-out CORPUS ...` those corpora's speech is kept out of the detector's training too, and `--words N`
judges N whole files of each of them (short words, for most): the share the detector lets through to a gender, where
a refusal is a lost answer (`@out`, and `@wWINDOWS` / `@eEPOCHS` for other training sizes, in the key).
Results: experiments/results/detector_folds.json, one entry per recipe (with its settings: `tape@odds4@m10`) and
fold, written after each fold (a run that stops keeps the folds it finished, and a rerun skips them). The entries
without `@odds` were judged at 8:1, the odds shipped then (`SPEECH_ODDS` is 2:1 now; `--speech-odds 8` judges at
those odds again, under `RECIPE@odds8`).
"""
from __future__ import annotations
import argparse, json, os, sys, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'experiments'))
from detector import write_sets, score, mixture, timeline_scores, summarise, level, unheard_readers  # the shipped detector's evaluation, set for set

RESULTS = ROOT/'experiments'/'results'/'detector_folds.json'
RECIPES = dict(plain=dict(tape_semitones=0.), tape=dict(tape_semitones=4.), beats=dict(tape_semitones=0., beats=0.5), tape_beats=dict(tape_semitones=4., beats=0.5),
               tape_words=dict(tape_semitones=4., words=0.3))


def train_fold(clf, root:Path, tracks:list, fold:int, recipe:str, out:Path, n:int, hold_out:list=(), epochs:int=6)->Path:
    "Train the detector of one fold (tracks `fold`, `fold`+4, ... held out; and the speech of `hold_out`) into `out`; returns the folder."
    from genderaudio.detector import detector_examples, train_detector, detector_speech, DETECTOR_HELD_OUT
    if (out/'config.json').exists(): return out
    held_out = DETECTOR_HELD_OUT + list(hold_out)
    _, speech = detector_speech(root, held_out)
    train_tracks = [t for i, t in enumerate(tracks) if i % 4 != fold]
    images, labels = detector_examples(clf, list(speech.path), train_tracks, n, seed=0, progress=False, **RECIPES[recipe])
    train_detector(images, labels, out, clf.features, clf.scale, epochs=epochs, progress=False,
                   training_data=dict(held_out_corpora=held_out, train_tracks=[Path(t).name for t in train_tracks], recipe=recipe, windows=len(images)))
    return out


def word_rows(root:Path, corpus:str, n:int, seed:int=1)->'pd.DataFrame':
    "Up to `n` recordings of a held-out corpus (path, gender, ...), drawn alike wherever they are judged."
    from genderaudio.corpora import training_sources
    table = training_sources([root/corpus], None)
    return table.sample(min(len(table), n), random_state=seed)


def judge_words(clf, root:Path, corpora:list, n:int)->dict:
    "Per held-out corpus: of `n` of its recordings, the share gendered (not refused as music or noise) and the gender balanced accuracy (refusals wrong)."
    return {corpus: score(clf.predict_many(list((rows := word_rows(root, corpus, n)).path), progress=False), list(zip(rows.path, rows.gender)))
            for corpus in corpora}


def judge(folder:Path, root:Path, held_tracks:list, work:Path, n:int, mixtures:int, first_mixture:int=0, words:dict|None=None)->dict:
    "Whole files and mixtures through the detector in `folder`, on the fold's held-out tracks (and `words`: `judge_words`'s corpora and n)."
    from genderaudio.inference import GenderClassifier
    from genderaudio.detector import DETECTOR_HELD_OUT
    split = json.loads((folder/'config.json').read_text())['training_data']
    sets = write_sets(work, root, dict(split, held_out_corpora=DETECTOR_HELD_OUT), held_tracks, n)  # the speech set as for every recipe
    clf = GenderClassifier(detector=folder)
    out = dict(sets={name: score(clf.predict_many([p for p, _ in rows]), rows) for name, rows in sets.items()}, mixtures=[])
    if words: out['words'] = judge_words(clf, root, words['corpora'], words['n'])
    unheard = unheard_readers(root, clf)
    for seed in range(first_mixture, first_mixture + mixtures):
        audio, truth, audible = mixture(unheard, held_tracks, np.random.default_rng(100 + seed))
        out['mixtures'].append(timeline_scores(clf, audio, truth, audible))
    out['tracks'] = track_windows(clf, held_tracks)
    out['mixtures_mean'], out['mixtures_pooled'] = summarise(out['mixtures'])
    return out


def track_windows(clf, tracks:list, excerpts:int=6, seconds:float=10.)->dict:
    "Per held-out track: the share of its windows whose p(speech) tips a timeline to speech (above 1/(1 + `SPEECH_ODDS`)), in `excerpts` stretches at -20 dBFS."
    import genderaudio.inference as inference
    from genderaudio.augment import excerpt
    line, speech = 1/(1 + inference.SPEECH_ODDS), inference.DETECTOR_CLASSES.index('speech')
    out = {}
    for track in tracks:
        rng, p = np.random.default_rng(0), []
        for _ in range(excerpts):
            audio = excerpt(track, seconds, 16000, rng)
            job = clf._prepare(np.clip(level(audio, -20), -1, 1), 16000)
            if job.images is not None: p.append(clf.window_kinds(job.images)[:, speech])
        p = np.concatenate(p) if p else np.zeros(0)
        out[Path(track).name] = dict(windows=len(p), above_line=float(np.mean(p > line)) if len(p) else None)
    return out


def summary(results:dict)->dict:
    "Per recipe, the mean over its folds of each figure (and the folds' range of the music frames given a gender)."
    table = {}
    for recipe in sorted({k.split('/')[0] for k in results}):
        folds = [v for k, v in results.items() if k.split('/')[0] == recipe]
        mean = lambda get: float(np.mean([get(v) for v in folds]))
        table[recipe] = dict(folds=len(folds), music_files_gendered=mean(lambda v: v['sets']['music']['gendered']),
                             speech_files_gendered=mean(lambda v: v['sets']['speech']['gendered']),
                             speech_balanced_accuracy=mean(lambda v: v['sets']['speech']['balanced_accuracy']),
                             track_windows_above_line=mean(lambda v: np.mean([t['above_line'] for t in v['tracks'].values() if t['above_line'] is not None])),
                             not_speech_frames_gendered=mean(lambda v: v['mixtures_pooled']['not_speech_gendered']),
                             not_speech_frames_gendered_by_fold=[round(v['mixtures_pooled']['not_speech_gendered'], 3) for v in folds],
                             not_speech_frames_gendered_mixture_mean=mean(lambda v: v['mixtures_mean']['not_speech_gendered']),
                             audible_speech_frames_gendered=mean(lambda v: v['mixtures_pooled']['audible_speech_gendered']),
                             change_recall_in_gap=mean(lambda v: v['mixtures_mean']['change_recall_in_gap']),
                             false_changes_in_gap_per_5_min=mean(lambda v: v['mixtures_mean']['false_changes_in_gap_per_5_min']))
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpora-root', default=os.environ.get('GENDERAUDIO_CORPORA'))
    parser.add_argument('--music', nargs='+', required=True, help='the three packages\' music folders')
    parser.add_argument('--recipe', choices=sorted(RECIPES), default='plain')
    parser.add_argument('--folds', type=int, nargs='+', default=[0, 1, 2, 3])
    parser.add_argument('--windows', type=int, default=4000, help='training windows of each class (the shipped detector: 4,000)')
    parser.add_argument('--n', type=int, default=100, help='files per whole-file set')
    parser.add_argument('--mixtures', type=int, default=10)
    parser.add_argument('--first-mixture', type=int, default=0, help='the first mixture (e.g. 10: other mixtures, to choose a setting on)')
    parser.add_argument('--speech-odds', type=float, default=None, help="the timeline's odds for speech (`inference.SPEECH_ODDS`) instead of the shipped ones")
    parser.add_argument('--work', default='runs/detector_folds')
    parser.add_argument('--epochs', type=int, default=6, help="the detector's training epochs (shipped: 6)")
    parser.add_argument('--hold-out', nargs='+', default=[], help="corpora also kept out of the detector's speech, judged by --words")
    parser.add_argument('--words', type=int, default=600, help='whole files judged of each --hold-out corpus')
    parser.add_argument('--name', default=None, help='results under this name (default: the recipe and its settings, e.g. `tape@odds4@m10`), e.g. to judge the same detectors again after a change of `segment`')
    args = parser.parse_args()
    import genderaudio.inference
    if args.speech_odds is not None: genderaudio.inference.SPEECH_ODDS = args.speech_odds  # read by `segment` at each call
    from genderaudio.inference import GenderClassifier
    from genderaudio.augment import music_tracks
    root, work, tracks = Path(args.corpora_root), Path(args.work), music_tracks(args.music)
    clf = GenderClassifier(detector=None)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for fold in args.folds:
        trained_as = args.recipe + (f'@w{args.windows}' if args.windows != 4000 else '') + (f'@e{args.epochs}' if args.epochs != 6 else '') + ('@out' if args.hold_out else '')
        key = (args.name or trained_as + (f'@odds{args.speech_odds:g}' if args.speech_odds is not None else '') + (f'@m{args.first_mixture}' if args.first_mixture else '')) + f'/{fold}'
        if key in results: continue  # done
        started = time.time()
        folder = train_fold(clf, root, tracks, fold, args.recipe, work/f'{trained_as}_{fold}', args.windows, args.hold_out, args.epochs)
        trained = time.time() - started
        entry = judge(folder, root, tracks[fold::4], work/f'sets_{fold}', args.n, args.mixtures, args.first_mixture,
                      dict(corpora=args.hold_out, n=args.words) if args.hold_out else None)
        entry.update(held_tracks=[Path(t).name for t in tracks[fold::4]], train_seconds=round(trained), seconds=round(time.time() - started))
        results = {**(json.loads(RESULTS.read_text()) if RESULTS.exists() else {}), key: entry}  # with what other runs wrote meanwhile
        m, s = entry['mixtures_mean'], entry['sets']
        print(f"{key}: music files gendered {s['music']['gendered']:.3f}, speech gendered {s['speech']['gendered']:.3f}, "
              f"frames: not speech gendered {m['not_speech_gendered']:.3f}, audible speech {m['audible_speech_gendered']:.3f}, "
              f"changes in gap {m['change_recall_in_gap']:.3f} ({entry['seconds']} s)", flush=True)
        for corpus, w in entry.get('words', {}).items(): print(f"  {corpus}: gendered {w['gendered']:.3f}, balanced accuracy {w['balanced_accuracy']:.3f}", flush=True)
        tmp = RESULTS.with_suffix(f'.{os.getpid()}.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(RESULTS)
    print(json.dumps(summary(results), indent=1))


if __name__ == '__main__':
    main()
