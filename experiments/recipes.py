"""Train and evaluate the recipes behind the numbers of the closing notes and `11_evaluate`.

Every model is trained with `genderaudio.train.train_model` (the fastai pipeline of `08_train`) and tested with
`genderaudio.inference.GenderClassifier` on recordings of speakers it never heard:

- `az`: trained on AudioMNIST_AZ only (validation: 20% of its speakers); tested on its held-out speakers
  (per clip), on all of LibriSpeech (per utterance) and on telephone copies of both;
- `ls`: trained on LibriSpeech only; tested on its held-out speakers, on all of AudioMNIST_AZ, telephone copies;
- `both`: both corpora (with `--short-windows 0.5`, the shipped recipe); tested on each corpus's held-out speakers and
  telephone copies; `cv0`..`cv4`: its five folds of a cross-validation by speaker;
- `leak`, `leak_ls`, `leak_mfc_resnet34`: AudioMNIST_AZ (LibriSpeech) with a random image-level split (the original
  project's), its own validation score against the speaker-disjoint `az` (`ls`, `az_mfc_resnet34`) run;
- feature/architecture variants of `az` (`--recipes az_mfc az_resnet18 ...`);
- `*_pitch_shift`: the same recipe with `augment_voice` (pitch moved toward the other gender) instead of `augment_audio`.
- `*_late_wide`, `*_wide` (of `az`, `ls`, `cv0`..`cv4`): the same recipe with wider networks, twice the channels in the
  last two stages (16-32-128-256) or in all four (32-64-128-256), against the shipped 16-32-64-128.
Baselines (random, majority, pitch threshold) are scored on the same test sets, the pitch threshold fitted on the
recipe's training speakers.

    python experiments/recipes.py --audiomnist $GENDERAUDIO_AUDIOMNIST --labels $GENDERAUDIO_LABELS --recipes az ls both leak
    python experiments/recipes.py --recipes az ls az_pitch_shift ls_pitch_shift --seed 1   # another seed: az_s1, ...
    python experiments/recipes.py --recipes az ls --epochs 10   # longer training: az_e10, ...
    python experiments/recipes.py --recipes ls cv0 cv1 cv2 cv3 cv4 --short-windows 0.5   # the shipped recipe: ls_sw0.5, cv0_sw0.5, ...
    python experiments/recipes.py --recipes az_late_wide ls_late_wide cv0_late_wide cv1_late_wide cv2_late_wide cv3_late_wide cv4_late_wide --short-windows 0.5
    python experiments/recipes.py --recipes ls --short-windows 0.5 --train-speakers 0.5   # half of LibriSpeech's speakers: ls_sw0.5_sp0.5

`--short-windows` defaults to 0 here (not to the shipped 0.5, as `genderaudio-train` does) so that the names of the
runs made before short windows existed keep their meaning: a name without `_sw` was trained without them.

Results accumulate in experiments/results/recipes.json (one entry per recipe; rerunning a recipe replaces it).
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np, pandas as pd

from functools import lru_cache, partial
from genderaudio.corpora import list_recordings, read_labels, speaker_kfold, holdout_speakers
from genderaudio.evaluate import (classification_metrics, telephone_copies, median_f0, baseline_predictions, evaluate_files)
from genderaudio.inference import GenderClassifier
from genderaudio.model import DEFAULT_ARCHITECTURE
from genderaudio.train import TrainConfig, train_model

RESULTS = Path(__file__).parent/'results'/'recipes.json'
SUSPECT_LABELS = Path(__file__).parent.parent/'suspect_labels.csv'  # AudioMNIST_AZ speakers whose labels are doubtful (05_corpora)
RUNS = Path('runs/recipes')
median_f0 = lru_cache(maxsize=None)(median_f0)  # the same clips are baselines of several recipes

RECIPES = {  # name: (corpora trained on, image kind, architecture, split); `cvI` (I = 0..4): fold I of 5 of `both`
    'az': (['az'], 'logmel', DEFAULT_ARCHITECTURE, 'speaker'),
    'ls': (['ls'], 'logmel', DEFAULT_ARCHITECTURE, 'speaker'),
    'both': (['az', 'ls'], 'logmel', DEFAULT_ARCHITECTURE, 'speaker'),
    'leak': (['az'], 'logmel', DEFAULT_ARCHITECTURE, 'clip'),
    'leak_ls': (['ls'], 'logmel', DEFAULT_ARCHITECTURE, 'clip'),
    'az_mfc': (['az'], 'mfc', DEFAULT_ARCHITECTURE, 'speaker'),
    'az_resnet18': (['az'], 'logmel', dict(name='resnet18', n_in=1), 'speaker'),
    'az_mfc_resnet34': (['az'], 'mfc', dict(name='resnet34', n_in=1), 'speaker'),  # the original project's features and network
    'leak_mfc_resnet34': (['az'], 'mfc', dict(name='resnet34', n_in=1), 'clip'),  # ... and its split
    'both_mfc': (['az', 'ls'], 'mfc', DEFAULT_ARCHITECTURE, 'speaker'),
    **{f'cv{i}': (['az', 'ls'], 'logmel', DEFAULT_ARCHITECTURE, 'speaker') for i in range(5)},
}
WIDER = {'wide': dict(DEFAULT_ARCHITECTURE, widths=[32, 64, 128, 256]),  # twice the channels of every stage
         'late_wide': dict(DEFAULT_ARCHITECTURE, widths=[16, 32, 128, 256])}  # ... of the last two stages only (cheaper)
RECIPES.update({f'{name}_{variant}': (corpora, kind, architecture, split) for name, (corpora, kind, _, split) in RECIPES.items()
                if name in ('az', 'ls') or name.startswith('cv') for variant, architecture in WIDER.items()})
RECIPES.update({f'{name}_pitch_shift': recipe for name, recipe in RECIPES.items()})


def clip_split(images:pd.DataFrame, valid_fraction:float=0.2, seed:int=42)->pd.Series:
    "A random image-level split (speakers on both sides!), as the original project split: for the leak demonstration only."
    piece = images.audio + '@' + images.start.map(str)  # a clip, or one window of a long recording, with its copies
    pieces = piece[images.augment == 0].unique()
    held_out = set(np.random.default_rng(seed).permutation(pieces)[:round(valid_fraction*len(pieces))])
    return piece.isin(held_out)


def fold_split(i:int, k:int, seed:int):
    "A `train_model` splitter validating on fold `i` of a `k`-fold split by speaker within each corpus (cross-validation)."
    def splitter(images:pd.DataFrame)->pd.Series:
        held_out = set()
        for _, corpus in images.groupby('corpus'):
            corpus = corpus.drop_duplicates('speaker_key').reset_index(drop=True)
            if corpus.gender.value_counts().reindex(['female', 'male'], fill_value=0).min() < max(4, k): continue  # all training
            held_out |= set(corpus.speaker_key.iloc[list(speaker_kfold(corpus, k, seed, 'speaker_key'))[i][1]])
        return images.speaker_key.isin(held_out)
    return splitter


def corpus_tables(args)->dict:
    "Every labelled recording (path, gender, speaker) of `az` and `ls`, speakers named `corpus/id` as in `validation_speakers`."
    az = list_recordings(args.audiomnist, exclude_speakers=holdout_speakers(SUSPECT_LABELS)['audiomnist_az']).assign(speaker=lambda d: 'audiomnist_az/' + d.speaker)
    ls = read_labels(args.labels).assign(speaker=lambda d: 'librispeech_train100/' + d.speaker.astype(str))
    return {'az': az[['path', 'gender', 'speaker']], 'ls': ls[['path', 'gender', 'speaker']]}


def holdout_keys(csv_path)->set:
    "The speakers of a holdout CSV (corpus, speaker), named `corpus/id`."
    return {f'{c}/{s}' for c, ss in holdout_speakers(csv_path).items() for s in ss}


def test_sets(args, config, trained_on):
    "Labelled recordings of speakers the model never heard: held-out speakers of its corpora, all of the others."
    held_out = set(config.get('validation_speakers', []))
    tables = corpus_tables(args)
    tables['ls'] = tables['ls'][~tables['ls'].speaker.isin(holdout_keys(args.holdout))]
    return {name: table[table.speaker.isin(held_out)] if name in trained_on else table for name, table in tables.items()}


def score(classifier, name, table, train_table, telephone_dir):
    "Model and baselines on one test set, clean and through a telephone channel."
    out = {}
    for channel, labelled in (('clean', table), ('telephone', telephone_copies(table, telephone_dir/name))):
        results = evaluate_files(labelled, classifier, progress=False)
        m = classification_metrics(results.gender, results.p_female)
        entry = dict(model=m)
        if channel == 'clean' and train_table is not None:
            test_f0 = labelled.assign(f0=[median_f0(p) for p in labelled.path])
            for baseline, p in baseline_predictions(train_table, test_f0).items():
                entry[baseline] = classification_metrics(labelled.gender, p)
        out[channel] = entry
        print(f"  {name} {channel}: balanced accuracy {m['balanced_accuracy']:.4f} (n={m['n']})", flush=True)
    return out


def fewer_speakers(args, corpora, share, path)->str:
    "Write a holdout CSV to `path`: `--holdout`'s speakers and all but `share` of each trained corpus's others (by gender)."
    tables = corpus_tables(args)
    speakers = pd.concat([tables[c] for c in corpora]).drop_duplicates('speaker')
    kept = speakers.groupby([speakers.speaker.str.split('/').str[0], 'gender']).sample(frac=share, random_state=args.seed)
    dropped = speakers.speaker[~speakers.speaker.isin(kept.speaker)].str.split('/', n=1, expand=True).set_axis(['corpus', 'speaker'], axis=1)
    table = pd.concat([pd.read_csv(args.holdout, dtype=str)[['corpus', 'speaker']], dropped])
    Path(path).parent.mkdir(parents=True, exist_ok=True); table.to_csv(path, index=False)
    return str(path)


def training_f0(args, trained_on, config, holdout, n_per_speaker=3):
    "Median F0 of a few clips of each training speaker, for the pitch-threshold baseline."
    held_out = set(config.get('validation_speakers', [])) | holdout_keys(holdout)
    train = pd.concat([table for name, table in corpus_tables(args).items() if name in trained_on])
    train = train[~train.speaker.isin(held_out)].groupby('speaker').head(n_per_speaker)
    return train.assign(f0=[median_f0(p) for p in train.path])[['gender', 'f0']]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--audiomnist', default=os.environ.get('GENDERAUDIO_AUDIOMNIST'))
    parser.add_argument('--labels', default=os.environ.get('GENDERAUDIO_LABELS'))
    parser.add_argument('--holdout', default='my_wavs/labels.csv')
    parser.add_argument('--recipes', nargs='+', default=['az', 'ls', 'both', 'leak'])
    parser.add_argument('--epochs', type=int, default=5, help='not 5: results as RECIPE_eEPOCHS')
    parser.add_argument('--augment', type=int, default=2)
    parser.add_argument('--short-windows', type=float, default=0.,
                        help="share of augmented windows cut to a short utterance (the shipped recipe: 0.5); not 0: results as RECIPE_swSHARE")
    parser.add_argument('--train-speakers', type=float, default=1.,
                        help="share of each trained corpus's speakers to train and validate on (by gender); not 1: results as RECIPE_spSHARE")
    parser.add_argument('--retrain', action='store_true', help='train again even if the recipe has a model')
    parser.add_argument('--seed', type=int, default=42, help='seed of split, augmentation and training; not 42: results as RECIPE_sSEED')
    args = parser.parse_args()
    seed_suffix = '' if args.seed == 42 else f'_s{args.seed}'
    epochs_suffix = '' if args.epochs == 5 else f'_e{args.epochs}'
    short_suffix = '' if args.short_windows == 0 else f'_sw{args.short_windows:g}'
    share_suffix = '' if args.train_speakers == 1 else f'_sp{args.train_speakers:g}'
    for recipe in args.recipes:
        corpora, kind, architecture, split = RECIPES[recipe]
        name = recipe + epochs_suffix + short_suffix + share_suffix + seed_suffix
        holdout = (args.holdout if args.train_speakers == 1 else
                   fewer_speakers(args, corpora, args.train_speakers, RUNS/name/'holdout.csv'))
        pitch_shift = recipe.endswith('_pitch_shift')
        print(f"== {recipe}: trained on {corpora}, {kind}, {architecture['name']}, {split} split, "
              f"{'augment_voice' if pitch_shift else 'augment_audio'}", flush=True)
        model_dir = RUNS/name/'model'
        if (model_dir/'config.json').exists() and not args.retrain:
            print(f"   reusing the model trained earlier in {model_dir}", flush=True)
        else:
            config = TrainConfig.for_kind(kind, architecture=architecture, epochs=args.epochs, augment=args.augment, pitch_shift=pitch_shift,
                                          short_windows=args.short_windows, seed=args.seed, balance=False)  # as these recipes were run
            splitter = (partial(clip_split, seed=args.seed) if split == 'clip' else
                        fold_split(int(recipe[2]), 5, args.seed) if recipe.startswith('cv') else None)
            _, model_dir = train_model(model_dir, [path for corpus, path in (('az', args.audiomnist), ('ls', args.labels)) if corpus in corpora],
                                       config, [h for h in (holdout, SUSPECT_LABELS) if h], work_dir=RUNS/('dataset_' + '_'.join(corpora) + seed_suffix),
                                       splitter=splitter, progress=False)
        classifier = GenderClassifier.load(model_dir)
        config = classifier.config
        entry = dict(corpora=corpora, kind=kind, architecture=architecture, split=split, pitch_shift=pitch_shift, seed=args.seed,
                     short_windows=(config.get('train_config') or config['training']).get('short_windows', 0), train_speakers=args.train_speakers,
                     speakers={c['name']: sum(c['speakers'].values()) for c in config['corpora']},  # trained and validated on
                     fit_seconds=config['training'].get('fit_seconds'),
                     validation=config['validation'], size_mb=round((Path(model_dir)/'model.safetensors').stat().st_size/1e6, 2),
                     parameters=config.get('parameters'))
        if split == 'speaker':
            train_f0 = training_f0(args, corpora, config, holdout)
            sets = test_sets(args, config, corpora)
            entry['tests'] = {test: score(classifier, test, table, train_f0, RUNS/'telephone'/name)
                              for test, table in sets.items()}
            clips = sets['az'].path.iloc[:512].tolist()
            started = time.time(); classifier.predict_many(clips); entry['clips_per_second'] = round(len(clips)/(time.time() - started), 1)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}  # others may have written meanwhile
        results[name] = entry
        RESULTS.parent.mkdir(exist_ok=True)
        tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(RESULTS)
        print(json.dumps({k: v for k, v in entry.items() if k != 'tests'}), flush=True)


if __name__ == '__main__':
    main()
