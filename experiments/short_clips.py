"""The detector's second look at one-window clips (`inference.SECOND_LOOK`, 10_inference): what it keeps and what it lets through.

A clip whose voice spans at most 1.5 model windows is judged on one image, its loudest second. When the detector is
unsure of it (p(speech) in `SECOND_LOOK`), `_second_look` averages it with the clip's first and last windows. With
the shipped classifier and detector, counted three ways (the loudest window alone, the second look, and the mean of
the three windows always):

- speech: every LOCO test clip (`loco.GROUPS`) whose voice fits one window: how many the detector refuses, by
  corpus (the detector trained on all but librispeech_train100, ravdess and vietnamese_fuv);
- not speech: `--n` excerpts of 0.4-1.6 s of each of held-out music tracks, synthetic tones and chords, and
  synthetic noises: how many are given a gender.

    python experiments/short_clips.py --corpora-root ../shared/data --music DIR [DIR ...]   # results: experiments/results/short_clips.json
"""
import argparse, json, os, sys
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'experiments'/'results'/'short_clips.json'
sys.path.insert(0, str(ROOT/'experiments'))


def one_window_p_speech(clf, audio:np.ndarray)->tuple|None:
    "p(speech) of a one-window clip three ways: (loudest window, after `_second_look`, mean of its three windows); None for a longer clip or no voice."
    from genderaudio.inference import DETECTOR_CLASSES
    from genderaudio.features import clip_ends
    job = clf._prepare(audio, clf.features.sample_rate)
    if job.images is None or job.ends is None: return None
    kinds, s = clf.window_kinds(job.images), DETECTOR_CLASSES.index('speech')
    every = np.concatenate([kinds, clf.window_kinds(clf._images(clip_ends(job.ends.astype(np.float32), clf.features.clip_samples)))])
    return float(kinds[0, s]), float(clf._second_look(job, kinds)[0, s]), float(every[:, s].mean())


def counts(p_speech:list, speech:bool)->dict:
    "How many clips each way is speech (`speech`) or not, of the one-window clips among them (`one_window_p_speech` of each)."
    from genderaudio.inference import SECOND_LOOK
    p_speech = np.array([p for p in p_speech if p is not None]).reshape(-1, 3)
    said = p_speech >= 0.5
    pick = said if not speech else ~said  # for speech: refused; for the rest: given a gender
    return dict(one_window=len(p_speech), loudest=int(pick[:, 0].sum()), second_look=int(pick[:, 1].sum()), mean_of_three=int(pick[:, 2].sum()),
                looked=int(((p_speech[:, 0] >= SECOND_LOOK[0]) & (p_speech[:, 0] < SECOND_LOOK[1])).sum()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpora-root', default=os.environ.get('GENDERAUDIO_CORPORA'))
    parser.add_argument('--music', nargs='+', default=os.environ.get('GENDERAUDIO_MUSIC', '').split(os.pathsep) if os.environ.get('GENDERAUDIO_MUSIC') else None)
    parser.add_argument('--n', type=int, default=600, help='clips of each kind of non-speech')
    args = parser.parse_args()
    if not args.corpora_root or not args.music: parser.error('give --corpora-root and --music (or set GENDERAUDIO_CORPORA and GENDERAUDIO_MUSIC)')
    from loco import GROUPS, labelled_recordings
    from genderaudio.inference import GenderClassifier, SECOND_LOOK
    from genderaudio.audio import load_audio
    from genderaudio.augment import synthetic_music, synthetic_noise, excerpt, music_tracks
    clf = GenderClassifier()
    out = dict(second_look=list(SECOND_LOOK), speech={}, not_speech={})
    test = labelled_recordings(Path(args.corpora_root), [c for g in GROUPS.values() for c in g])
    for corpus, rows in test.groupby('corpus'):
        out['speech'][corpus] = counts([one_window_p_speech(clf, load_audio(p, 16000)) for p in rows.path], speech=True)
        print(corpus, out['speech'][corpus], flush=True)
    held = [t for t in music_tracks(args.music) if Path(t).name not in set(clf.detector.config['training_data']['train_tracks'])]
    rng = np.random.default_rng(7)
    makers = {'music': lambda: np.clip(excerpt(held[rng.integers(len(held))], rng.uniform(0.4, 1.6), 16000, rng), -1, 1),
              'tones': lambda: synthetic_music(rng.uniform(0.4, 1.6), 16000, rng),
              'noise': lambda: synthetic_noise(rng.uniform(0.4, 1.6), 16000, rng)}
    for name, make in makers.items():
        out['not_speech'][name] = dict(clips=args.n, **counts([one_window_p_speech(clf, make().astype(np.float32)) for _ in range(args.n)], speech=False))
        print(name, out['not_speech'][name], flush=True)
    total = lambda part, key: sum(v[key] for v in out[part].values())
    out['total'] = {part: {k: total(part, k) for k in ('one_window', 'loudest', 'second_look', 'mean_of_three', 'looked')} for part in ('speech', 'not_speech')}
    print(json.dumps(out['total']))
    RESULTS.parent.mkdir(exist_ok=True)
    tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(out, indent=1)); tmp.replace(RESULTS)


if __name__ == '__main__':
    main()
