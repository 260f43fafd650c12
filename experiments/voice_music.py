"""Does a voice probe that has heard music hear voices over music better? Leave-one-corpus-out, paired on the same networks.

For each LOCO model (runs/loco/RUN/GROUP/model, as `loco.py` trains it: a network that never heard the group), two
probes are fitted on the same training recordings (up to `--per-corpus-gender` of each corpus and gender, the
network's validation speakers and the held-out speakers left out): on their windows, as `fit_voice` does, and on those
plus the same recordings over music, as `fit_voice(music=...)` does (the training tracks of `--music`, 0-20 dB under
the voice). Both are tested with that model's network on the group's recordings, clean and over held-out music
(`loco.py`'s copies: a held-out track 10 dB under every clip), per clip: balanced accuracy and each gender's recall of
the probe alone, of the network alone, and of the two added on every window (as `segment` adds them), besides the
model's own probe (fitted on every training recording) added the same way.

    python experiments/voice_music.py --runs pitch8_kept pitch8_e3 focal   # each group with the first run that has a model of it
    python experiments/voice_music.py --runs pitch8_e3_s1 focal_s1 --name seed1

Results: experiments/results/voice_music.json, one entry per name (default `seed42`) and group.
"""
import argparse, json, os
from pathlib import Path
import numpy as np

from genderaudio.augment import music_tracks, split_tracks, training_tracks
from genderaudio.corpora import training_sources, holdout_speakers
from genderaudio.evaluate import classification_metrics
from genderaudio.inference import GenderClassifier
from genderaudio.voice import window_evidence, fit_probe, _clip_means
from loco import GROUPS, RUNS, SUSPECT_LABELS, labelled_recordings, music_copies

RESULTS = Path(__file__).parent/'results'/'voice_music.json'
HOLDOUT = Path(__file__).parent.parent/'my_wavs'/'labels.csv'


def clip_figures(gender:np.ndarray, files:np.ndarray, log_odds:np.ndarray)->dict:
    "Balanced accuracy and recalls of each clip's mean window log-odds (a clip without windows counts wrong, as in `loco.py`)."
    z = _clip_means(files, log_odds, len(gender))
    m = classification_metrics(gender, np.where(np.isnan(z), np.nan, 1/(1 + np.exp(-np.nan_to_num(z)))))
    return {k: m[k] for k in ('balanced_accuracy', 'female_recall', 'male_recall')}


def paired_probes(model:Path, group:str, root:Path, train_tracks:list, held_tracks:list, per_corpus_gender:int)->dict:
    "The figures of one LOCO model's group with the probe fitted clean, fitted also over music, and the model's own."
    classifier = GenderClassifier.load(model, voice=True, detector=None)
    corpora = [c for g, cs in GROUPS.items() if g != group for c in cs]
    train = training_sources([root/c for c in corpora], holdout_speakers([HOLDOUT, SUSPECT_LABELS]))
    train = train[~train.speaker_key.isin(set(classifier.config.get('validation_speakers', [])))]
    train = train.sample(frac=1., random_state=0).groupby(['corpus', 'gender']).head(per_corpus_gender).reset_index(drop=True)
    clean, over_music = ((files, dvectors) for files, _, dvectors, _ in
                         (window_evidence(classifier, list(train.path), progress=False, music=music) for music in (None, train_tracks)))
    fitted = {name: fit_probe(train, passes) for name, passes in (('clean', [clean]), ('music', [clean, over_music]))}  # as `fit_voice` fits them
    probes = {name: (p.coef_[0], float(p.intercept_[0])) for name, p in fitted.items()} | dict(model=(np.asarray(classifier.voice['weight']), float(classifier.voice['bias'])))
    test = labelled_recordings(root, GROUPS[group])
    entry = dict(model=str(model), train_recordings=len(train), clips=len(test))
    for condition, table in (('clean', test), ('over_music', music_copies(test, RUNS/'copies'/group/'music', held_tracks))):
        files, network, dvectors, _ = window_evidence(classifier, list(table.path), progress=False)
        figures = dict(network=clip_figures(test.gender.to_numpy(), files, network))
        for name, (w, b) in probes.items():
            voice = dvectors.astype(np.float64) @ w + b
            figures[f'{name}_probe'] = clip_figures(test.gender.to_numpy(), files, voice)
            figures[f'{name}_probe_and_network'] = clip_figures(test.gender.to_numpy(), files, network + voice)
        entry[condition] = figures
    return entry


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpora-root', default=os.environ.get('GENDERAUDIO_CORPORA'), help='default: $GENDERAUDIO_CORPORA')
    parser.add_argument('--music', nargs='+', default=os.environ.get('GENDERAUDIO_MUSIC', '').split(os.pathsep) if os.environ.get('GENDERAUDIO_MUSIC') else None,
                        help='music folders (default: $GENDERAUDIO_MUSIC): training tracks under the probe\'s recordings, held-out tracks under the tests')
    parser.add_argument('--runs', nargs='+', required=True, help='runs/loco/ folders: each group with the first that has a model of it')
    parser.add_argument('--groups', nargs='+', default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument('--per-corpus-gender', type=int, default=150, help='training recordings of each corpus and gender the probes are fitted on')
    parser.add_argument('--name', default='seed42')
    args = parser.parse_args()
    if not args.corpora_root or not args.music: parser.error('give --corpora-root and --music (or set GENDERAUDIO_CORPORA and GENDERAUDIO_MUSIC)')
    root = Path(args.corpora_root).expanduser().absolute()
    train_tracks, held_tracks = training_tracks(tuple(args.music)), split_tracks(music_tracks(args.music))[1]
    for group in args.groups:
        model = next((RUNS/run/group/'model' for run in args.runs if (RUNS/run/group/'model'/'config.json').exists()), None)
        if model is None: print(f'{group}: no model in {args.runs}'); continue
        entry = paired_probes(model, group, root, train_tracks, held_tracks, args.per_corpus_gender)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results.setdefault(args.name, {})[group] = entry
        tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(RESULTS)
        print(group, model, {c: {k: round(v['balanced_accuracy'], 3) for k, v in entry[c].items()} for c in ('clean', 'over_music')}, flush=True)


if __name__ == '__main__':
    main()
