"""Which odds for speech the whole-file verdict should use: a window of a file is speech when the detector's p(speech)
is at least 1/(1 + odds). Judged with the shipped detector on the sets of `experiments/detector.py` (200 files each),
with the four fold detectors of `experiments/detector_folds.py --recipe tape` (each on its own held-out tracks: music
excerpts, tones, noise, babble, held-out speech and speech over music; 100 files each), and with the detector trained
without three corpora of short words (`--recipe tape --hold-out audiomnist_az baved hindi_digits_iiith`), on up to
600 of each one's recordings, where a refusal is a lost answer.

    python experiments/detector_folds.py --music DIR [DIR ...] --recipe tape --folds 0 --hold-out audiomnist_az baved hindi_digits_iiith
    python experiments/detector_file_odds.py --music DIR [DIR ...]

Each file's window probabilities are computed once; the verdict (`SPEECH_SHARE` of the windows speech, and one at
least) is then applied at each odds. Results: experiments/results/detector_file_odds.json, files gendered per
detector (`shipped`, `folds`: summed over the four, `words`), set and odds.
"""
from __future__ import annotations
import argparse, json, os, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'experiments'))
from detector import write_sets  # the sets of `detector_folds.py`, file for file
from detector_folds import word_rows
RESULTS = ROOT/'experiments'/'results'/'detector_file_odds.json'
WORD_CORPORA = ['audiomnist_az', 'baved', 'hindi_digits_iiith']


def speech_probabilities(clf, paths:list)->list:
    "Every file's windows' p(speech), as `predict` would weigh them (none for a file without voiced windows)."
    from genderaudio.inference import DETECTOR_CLASSES
    out = []
    for path in paths:
        job = clf._prepare(path)
        if job.long: raise ValueError(f'{path}: longer than a whole-file set should be')
        out.append([] if job.images is None else clf._second_look(job, clf.window_kinds(job.images))[:, DETECTOR_CLASSES.index('speech')].tolist())
    return out


def gendered(p_speech:list, odds:float)->bool:
    "The whole-file verdict at `odds` (`inference.speech_windows`, as `predict` applies it at even odds)."
    from genderaudio.inference import speech_windows
    return speech_windows(p_speech, 1/(1 + odds)) is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpora-root', default=os.environ.get('GENDERAUDIO_CORPORA'))
    parser.add_argument('--music', nargs='+', required=True, help="the three packages' music folders")
    parser.add_argument('--work', default='runs/detector_folds', help="detector_folds.py's folder")
    parser.add_argument('--odds', type=float, nargs='+', default=[1., 1.22, 1.5, 2., 3.])
    parser.add_argument('--words', type=int, default=600)
    parser.add_argument('--shipped-work', default='runs/detector_eval', help="detector.py's folder of sets")
    args = parser.parse_args()
    from genderaudio.inference import GenderClassifier
    from genderaudio.detector import DETECTOR_HELD_OUT
    from genderaudio.augment import music_tracks
    root, work, tracks = Path(args.corpora_root), Path(args.work), music_tracks(args.music)
    sets = dict(shipped={}, folds={}, words={})  # detector: set name: every file's window probabilities
    clf = GenderClassifier()
    split = clf.detector.config['training_data']
    held = [t for t in tracks if Path(t).name not in set(split['train_tracks'])]  # as detector.py: the config names its tracks
    for name, rows in write_sets(Path(args.shipped_work), root, split, held, 200).items():
        sets['shipped'][name] = speech_probabilities(clf, [p for p, _ in rows])
    for fold in range(4):
        clf = GenderClassifier(detector=work/f'tape_{fold}')
        for name, rows in write_sets(work/f'sets_{fold}', root, dict(held_out_corpora=DETECTOR_HELD_OUT), tracks[fold::4], 100).items():
            sets['folds'].setdefault(name, []).extend(speech_probabilities(clf, [p for p, _ in rows]))
    clf = GenderClassifier(detector=work/'tape@out_0')
    for corpus in WORD_CORPORA: sets['words'][corpus] = speech_probabilities(clf, list(word_rows(root, corpus, args.words).path))
    results = {detector: {f'{odds:g}': {name: dict(files=len(ps), gendered=sum(gendered(p, odds) for p in ps)) for name, ps in by_set.items()}
                          for odds in args.odds} for detector, by_set in sets.items()}
    tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(RESULTS)
    for detector, by_odds in results.items():
        names = list(sets[detector])
        print(f'\n{detector}: files gendered\n| odds | ' + ' | '.join(names) + ' |\n|' + '---|'*(len(names) + 1))
        for odds, row in by_odds.items(): print(f'| {odds} | ' + ' | '.join(f"{row[n]['gendered']} / {row[n]['files']}" for n in names) + ' |')


if __name__ == '__main__':
    main()
