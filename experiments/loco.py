"""Leave-one-corpus-out (LOCO): the measure of every modelling choice.

For each group of corpora a model is trained with `genderaudio.train.train_model` on all the other corpora and tested
with `genderaudio.inference.GenderClassifier` on the group's recordings, none of whose speakers, language or
channel it heard. Reported per group, as balanced accuracy:

- per clip, clean and through a telephone channel (300-3400 Hz, 8 kHz, mu-law: `evaluate.telephone_copies`);
- per speaker (the majority verdict over the speaker's clips, `evaluate.speaker_accuracy`);
- the pitch-threshold baseline, fitted on three clips of every training speaker (`evaluate.fit_pitch_threshold`);
- over music (with `--music`): every clip with a stretch of a held-out track (`split_tracks`: the detector's, never
  trained on) 10 dB under it, per clip, with each gender's recall;
- male and female recall on the high-arousal clips of the emotional corpora (RAVDESS happy and fearful, nEMO anger,
  fear, happiness and surprise, BAVED emotion level 2), and balanced accuracy on clips with 0.3-0.8 s of speech (as
  the voicing test measures it, so that clips the detector refuses count as wrong, not as no clips).

Every test clip's p_female is kept, so that calibration (ECE, reliability, temperature) is judged and fitted on
voices the models never heard (`11_evaluate`).

    python experiments/loco.py --corpora-root ../shared/data --recipe pitch8   # the shipped recipe
    python experiments/loco.py --recipe pitch8 --name pitch8_quiet --voice   # the shipped recipe as the classifier runs it today (README, model card)
    python experiments/loco.py --recipe pitch8 --name pitch8_quiet_s1 --seed 1 --voice   # its second seed
    # pitch8_quiet_voice_gated, pitch8_quiet_s1_voice_gated: the same two, scored when the voice was asked only where the network is unsure (the code of commit 62a58ee)
    python experiments/loco.py --recipe pitch8 --name pitch8_quiet --voice --voice-gate 0.1   # one-window clips asked about at 0.1-0.9, as before 7 December (results as pitch8_quiet_voice_g0.1)
    python experiments/loco.py --recipe pitch   # the recipe shipped before, pitch moved up to 5 semitones
    python experiments/loco.py --recipe base   # the one before that, without pitch moves
    python experiments/loco.py --recipe pitch --groups acted_emotion baved --seed 1
    python experiments/loco.py --recipe pitch --name pitch_new_code --groups librispeech   # rerun under another name
    python experiments/loco.py --recipe pitch --voice   # the same models with the voice encoder's probe added (results as pitch_voice)
    python experiments/loco.py --recipe pitch --voice --network-weight 0.4   # the same, the network's log-odds weighed 0.4 against the probe's (results as pitch_voice_w0.4)
    python experiments/loco.py --recipe permissive8   # the shipped recipe on the permissive corpora (`--licences permissive`)
    python experiments/loco.py --recipe music --voice --music DIR [DIR ...]   # music under part of the training speech (default: $GENDERAUDIO_MUSIC)
    python experiments/loco.py --recipe pitch8 --name pitch8_kept --voice --groups german_armenian audiomnist_az librispeech   # the shipped recipe trained once more (seed 42): how much retraining moves a group
    python experiments/loco.py --recipe pitch8 --name pitch8_kept --voice --voice-music --groups german_armenian audiomnist_az librispeech   # the probe fitted also over music (results as pitch8_kept_voice_music): a tie, not shipped (11_evaluate)
    python experiments/loco.py --recipe focal --voice   # a focal loss (gamma 2), and again with --seed 1: a tie with the shipped recipe (11_evaluate)
    python experiments/loco.py --recipe formants8 --voice --groups german_armenian librispeech audiomnist_az acted_emotion   # + formant moves (VTLP): lost (11_evaluate)
    python experiments/loco.py --recipe pitch8 --epochs 3 --name pitch8_e3 --voice --groups german_armenian librispeech audiomnist_az acted_emotion   # 3 epochs (and --name pitch8_e3_s1 --seed 1): a trade, not a gain (11_evaluate)
    python experiments/loco.py --restate   # every stored entry's figures again from its kept predictions, where the recordings differ today (each recording once: 7 December)

`permissive8` (and `permissive`) trains only on the corpora whose licence class in corpora.csv is permissive, less the held-out group;
the groups with no permissive corpus are all tested with one model (trained on every permissive corpus).

The corpora are the folders of `--corpora-root` (default: $GENDERAUDIO_CORPORA) named in GROUPS; each group's
corpora are held out together. One dataset of JPEG images is built per recipe and seed (with all corpora) in
runs/loco/, and each group's model trains on its other corpora. Results accumulate in experiments/results/loco.json,
one entry per recipe and seed (`RECIPE` for seed 42, else `RECIPE_sSEED`), each group replaced when rerun.
"""
import argparse, dataclasses, json, math, os, re, shutil, time
from pathlib import Path
import numpy as np, pandas as pd

from genderaudio.evaluate import (classification_metrics, speaker_accuracy, telephone_copies, median_f0, fit_pitch_threshold, evaluate_files)
from genderaudio.inference import GenderClassifier
from genderaudio.corpora import training_sources, read_corpus_table, corpus_licence, holdout_speakers
from genderaudio.features import LOGMEL
from genderaudio.train import TrainConfig, train_model
from genderaudio.voice import fit_voice
from genderaudio.augment import music_tracks, split_tracks, add_music
from genderaudio.audio import load_audio
from genderaudio.speech import Voicing
import soundfile as sf

RESULTS = Path(__file__).parent/'results'/'loco.json'
RUNS = Path('runs/loco')
CORPUS_TABLE = Path(__file__).parent.parent/'corpora.csv'
SUSPECT_LABELS = Path(__file__).parent.parent/'suspect_labels.csv'  # AudioMNIST_AZ speakers whose labels are doubtful (05_corpora)

GROUPS = {  # held-out group: the corpora held out together (each big corpus alone, small ones by kind)
    'audiomnist_az': ['audiomnist_az'],
    'librispeech': ['librispeech_train100'],
    'speechocean762': ['speechocean762'],
    'english_accents': ['alnum_duke_accents', 'en_digits_dotun', 'vctk_autovc4'],
    'acted_emotion': ['ravdess', 'nemo'],
    'baved': ['baved'],
    'asian_languages': ['lotus_thai_subset', 'hindi_digits_iiith', 'vietnamese_fuv'],
    'german_armenian': ['audiomnist_speechbrain6', 'armenian_asr_small'],
}
RECIPES = {  # name: `TrainConfig` settings on top of its defaults (log-mel to 4 kHz, short windows 0.5, MixUp 0.4, balanced draws)
    'base': dict(pitch_shift=False),  # channels only (augment_audio): the recipe shipped before the pitch moves
    'pitch': dict(pitch_shift=True, pitch_semitones=5.),  # + women's pitch moved down and men's up on half the copies by up to 5 semitones, formants kept: shipped until pitch8
    'pitch8': dict(pitch_shift=True, pitch_semitones=8.),  # the pitch moves up to 8 semitones (`TrainConfig`'s default): men's and women's pitch overlap fully in the moved copies; shipped
    'pitch12': dict(pitch_shift=True, pitch_semitones=12.),  # the pitch moves up to an octave: a moved man's pitch reaches past most women's, so that pitch tells even less
    'formants': dict(formants=True, pitch_semitones=5.),  # the 5-semitone recipe + the formants of half the copies scaled by up to 8 % either way (VTLP, `augment_vocal_tract`)
    'formants8': dict(formants=True),  # the shipped recipe (pitch moves up to 8 semitones) + the same formant moves
    'wide': dict(pitch_shift=True, pitch_semitones=5., feature_config=dataclasses.replace(LOGMEL, n_mels=80, fmax=8000.)),  # the 5-semitone recipe on 80 mel bands to 8 kHz
    'unbalanced': dict(balance=False, pitch_shift=False),  # corpora drawn in proportion to their size (class-weighted loss instead)
    'permissive': dict(licences=['permissive'], pitch_shift=True, pitch_semitones=5.),  # the recipe shipped until pitch8 on the redistributable corpora (what `genderaudio-train --licences permissive` gave then)
    'permissive8': dict(licences=['permissive'], pitch_shift=True, pitch_semitones=8.),  # the shipped recipe on the redistributable corpora (what `genderaudio-train --licences permissive` gives)
    'permissive_base': dict(licences=['permissive'], pitch_shift=False),  # the same with the base recipe (measured before the pitch moves shipped)
    'music': dict(pitch_shift=True, pitch_semitones=8., music=True),  # the shipped recipe + the training tracks of --music under 30 % of the augmented copies (0-20 dB)
    'focal': dict(pitch_shift=True, pitch_semitones=8., focal=2.),  # the shipped recipe with a focal loss (gamma 2): clips already right count less, the voices still wrong more
}
HIGH_AROUSAL = {  # corpus: pattern of the file names of its high-arousal clips
    'ravdess': re.compile(r'^\d\d-\d\d-0[36]-'),  # 03 happy, 06 fearful (of the emotions kept)
    'nemo': re.compile(r'_(anger|fear|happiness|surprised)_'),
    'baved': re.compile(r'^\d+-[mf]-\d+-\d+-2-'),  # emotion level 2
}


def labelled_recordings(root:Path, corpora:list)->pd.DataFrame:
    "Every recording of `corpora` but those of the speakers with doubtful labels: path, gender, speaker (`corpus/id`), corpus, high-arousal."
    sources = training_sources([root/c for c in corpora], holdout_speakers(SUSPECT_LABELS))
    names = sources.path.map(lambda p: Path(p).name)
    arousal = [bool(HIGH_AROUSAL[c].search(n)) if c in HIGH_AROUSAL else False for c, n in zip(sources.corpus, names)]
    return pd.DataFrame(dict(path=sources.path, gender=sources.gender, speaker=sources.speaker_key,
                             corpus=sources.corpus, high_arousal=arousal))


def cached_measure(table:pd.DataFrame, cache:Path, measure)->pd.Series:
    "`measure(path)` of every file of `table`, cached in a JSON file (each is computed once)."
    known = json.loads(cache.read_text()) if cache.exists() else {}
    todo = [p for p in table.path if p not in known]
    for p in todo: known[p] = measure(p)
    if todo:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix('.tmp'); tmp.write_text(json.dumps(known)); tmp.replace(cache)
    return table.path.map(lambda p: known[p])


def f0_table(table:pd.DataFrame, cache:Path)->pd.Series:
    "Median F0 of every file of `table`, cached (librosa's YIN costs 10-30 ms a file)."
    return cached_measure(table, cache, median_f0)


def speech_table(table:pd.DataFrame, voicing, cache:Path)->pd.Series:
    "Seconds of speech (`speech_seconds` of the voiced frames) of every file of `table`, whatever the model says of it, cached."
    from genderaudio.speech import voiced_frames, speech_regions, speech_seconds
    return cached_measure(table, cache, lambda p: speech_seconds(speech_regions(voiced_frames(load_audio(p, 16000), 16000, voicing), voicing), voicing))


def speaker_balanced_accuracy(results:pd.DataFrame)->float:
    "Balanced accuracy of the per-speaker majority verdicts."
    speakers = speaker_accuracy(results)
    return float(speakers.groupby('gender').majority_right.mean().mean())


def music_copies(test:pd.DataFrame, dest:Path, tracks:list, snr_db:float=10., seed:int=0)->pd.DataFrame:
    "Write a copy of every clip of `test` with a stretch of one of `tracks` `snr_db` under it (written once); return `test` pointing at them."
    paths = []
    dest.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(test.path):
        out = dest/f"{i:05d}_{Path(path).stem}.wav"
        if not out.exists():
            over = add_music(load_audio(path, 16000), np.random.default_rng([seed, i]), tracks, snr_db)
            tmp = out.with_suffix('.tmp.wav'); sf.write(tmp, np.clip(over, -1, 1), 16000); tmp.replace(out)
        paths.append(str(out))
    return test.assign(path=paths)


def score_group(classifier, test:pd.DataFrame, train_f0:pd.DataFrame, copies:Path, root:Path, held_tracks:list|None=None)->dict:
    "Every LOCO figure of one held-out group, and its clips' p_female (clean, telephone, and over held-out music when `held_tracks`); the copies are written under `copies`."
    clean = evaluate_files(test, classifier, progress=False)
    phone = evaluate_files(telephone_copies(test, copies/'telephone'), classifier, progress=False)
    music = evaluate_files(music_copies(test, copies/'music', held_tracks), classifier, progress=False) if held_tracks else None
    predicted = test.assign(p_female=clean.p_female, p_female_telephone=phone.p_female, speech_seconds=clean.speech_seconds, error=clean.error,
                            **({} if music is None else dict(p_female_over_music=music.p_female)))
    threshold = fit_pitch_threshold(train_f0.f0, train_f0.gender)
    return dict(group_figures(predicted, threshold, classifier.voicing), temperature=classifier.config['calibration']['temperature'],
                predictions=dict(path=[os.path.relpath(p, root) for p in predicted.path], gender=list(predicted.gender), corpus=list(predicted.corpus),
                                 speech_seconds=[round(float(s), 3) for s in predicted.speech_seconds],
                                 **{c: [None if np.isnan(p) else round(float(p), 5) for p in predicted[c]] for c in PREDICTED if c in predicted}))


PREDICTED = ['p_female', 'p_female_telephone', 'p_female_over_music']  # each clip's p_female kept in an entry's predictions


def group_figures(predicted:pd.DataFrame, threshold:float, voicing)->dict:
    "The figures of one group from its clips' predictions (`PREDICTED` columns beside path, gender, speaker, corpus, high_arousal, f0, error) and the fitted pitch threshold."
    pitch = np.where(np.isnan(predicted.f0), 0.5, (predicted.f0.to_numpy() >= threshold).astype(float))
    speech = speech_table(predicted, voicing, RUNS/'speech_seconds.json').to_numpy()  # a clip the detector refuses says 0 s of speech: short by what it holds
    short = predicted[(speech >= 0.3) & (speech <= 0.8)]
    arousal = predicted[predicted.high_arousal]
    music = 'p_female_over_music' in predicted
    return dict(clips=len(predicted), speakers=int(predicted.speaker.nunique()),
                clip=classification_metrics(predicted.gender, predicted.p_female),
                telephone=classification_metrics(predicted.gender, predicted.p_female_telephone),
                over_music=classification_metrics(predicted.gender, predicted.p_female_over_music) if music else None,
                speaker=speaker_balanced_accuracy(predicted[predicted.error == '']),
                pitch=classification_metrics(predicted.gender, pitch), pitch_threshold_hz=threshold,
                short=classification_metrics(short.gender, short.p_female) if len(short) else None,
                high_arousal=classification_metrics(arousal.gender, arousal.p_female) if len(arousal) else None,
                by_corpus={c: classification_metrics(rows.gender, rows.p_female)['balanced_accuracy'] for c, rows in predicted.groupby('corpus')})


def restate(root:Path, voicing):
    "Figures of every stored group whose recordings `labelled_recordings` gives otherwise today (each once) again, from its kept predictions (p_female rounded to 5 places: ROC AUC moves by up to 0.01 on ties; short clips by today's speech measure); entries without kept predictions are left as they are and named."
    results = json.loads(RESULTS.read_text())
    tests = {group: labelled_recordings(root, corpora) for group, corpora in GROUPS.items()}  # read (and hashed) once, not once per entry
    for name, entries in results.items():
        for group, entry in entries.items():
            kept, test = entry.get('predictions'), tests[group]
            stored = pd.DataFrame(kept).set_index('path') if kept else None
            relative = test.path.map(lambda p: os.path.relpath(p, root))
            if stored is not None and set(relative) == set(stored.index): continue
            if stored is None or not relative.isin(stored.index).all():
                print(f"{name}/{group}: no kept prediction of every recording; left as it is"); continue
            predicted = test.assign(**{c: stored.loc[relative, c].astype(float).to_numpy() for c in PREDICTED if c in stored},
                                    speech_seconds=stored.loc[relative, 'speech_seconds'].to_numpy(), error='')  # a file that failed to load is kept as unanswered (none of the shared corpora's does)
            predicted['f0'] = f0_table(predicted, RUNS/'f0.json').to_numpy()
            entry.update(group_figures(predicted, entry['pitch_threshold_hz'], voicing))
            entry['predictions'] = {c: [kept[c][i] for i in stored.index.get_indexer(relative)] for c in kept}
    tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(RESULTS)


def save(name:str, group:str, entry:dict):
    "Merge one group's entry into the results file, written atomically (other runs may have written meanwhile)."
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault(name, {})[group] = entry
    RESULTS.parent.mkdir(exist_ok=True)
    tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(RESULTS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpora-root', default=os.environ.get('GENDERAUDIO_CORPORA'),
                        help='folder holding the corpus folders (default: $GENDERAUDIO_CORPORA)')
    parser.add_argument('--recipe', default='pitch8', choices=list(RECIPES))
    parser.add_argument('--groups', nargs='+', default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--seed', type=int, default=42, help='not 42: results as RECIPE_sSEED')
    parser.add_argument('--name', default=None, help='results under this name (default: RECIPE, or RECIPE_sSEED), e.g. to rerun a recipe after a change of code')
    parser.add_argument('--voice', action='store_true', help="add the voice encoder (`genderaudio.voice.fit_voice`, fitted once into each group's model); results as NAME_voice")
    parser.add_argument('--network-weight', type=float, default=None, help="with --voice: weigh the network's log-odds by this against the probe's instead of the fitted model's setting; results as NAME_voice_wWEIGHT")
    parser.add_argument('--voice-gate', type=float, default=None, help="with --voice: ask the encoder where the network's p_female is between this and 1 minus it (0: everywhere) instead of `VOICE_GATE`; results as NAME_voice_gGATE")
    parser.add_argument('--voice-music', action='store_true', help="with --voice: the probe fitted also on the training recordings over music (`fit_voice(music=...)`: the training tracks of --music), in a copy of each group's model (model_voice_music); results as NAME_voice_music")
    parser.add_argument('--holdout', default='my_wavs/labels.csv', help="speakers never trained on (my_wavs' examples)")
    parser.add_argument('--retrain', action='store_true', help='train again even if the group has a model')
    parser.add_argument('--music', nargs='+', default=os.environ.get('GENDERAUDIO_MUSIC', '').split(os.pathsep) if os.environ.get('GENDERAUDIO_MUSIC') else None,
                        help="music folders (default: $GENDERAUDIO_MUSIC): the `music` recipe's training tracks, and the held-out tracks (`split_tracks`) every group is also tested over")
    parser.add_argument('--restate', action='store_true', help="train and score nothing: figure every stored entry again from its kept predictions, on today's recordings (`restate`)")
    args = parser.parse_args()
    if not args.corpora_root: parser.error('give --corpora-root or set GENDERAUDIO_CORPORA')
    if args.voice_music and not (args.voice and args.music): parser.error('--voice-music needs --voice and --music (or $GENDERAUDIO_MUSIC)')
    if args.restate: return restate(Path(args.corpora_root).expanduser().absolute(), Voicing())
    recipe = dict(RECIPES[args.recipe])
    if recipe.get('music'):
        if not args.music: parser.error(f'recipe {args.recipe} needs --music (or $GENDERAUDIO_MUSIC)')
        recipe['music'] = args.music
    held_tracks = split_tracks(music_tracks(args.music))[1] if args.music else None
    root = Path(args.corpora_root).expanduser().absolute()
    name = args.name or args.recipe + ('' if args.seed == 42 else f'_s{args.seed}')
    every = [c for corpora in GROUPS.values() for c in corpora]
    table = read_corpus_table(CORPUS_TABLE)
    licences = recipe.get('licences')
    usable = [c for c in every if not licences or corpus_licence(c, table)['licence_class'] in licences]
    model_names = {}
    for group in args.groups:
        started = time.time()
        trained_on = [c for c in every if c not in GROUPS[group] and c in usable]
        model_dir = RUNS/name/model_names.setdefault(tuple(trained_on), group)/'model'  # groups trained on the same corpora share a model
        print(f"== {name}: {group} held out ({', '.join(GROUPS[group])}); model {model_dir}", flush=True)
        if not (model_dir/'config.json').exists() or args.retrain:
            config = TrainConfig(epochs=args.epochs, seed=args.seed, **recipe)
            train_model(model_dir, [root/c for c in trained_on], config, [args.holdout, SUSPECT_LABELS], CORPUS_TABLE,
                        work_dir=RUNS/f'dataset_s{args.seed}', progress=False)
        if args.voice_music:  # the probe over music goes into a copy, beside the model's own
            if not (model_dir.with_name('model_voice_music')/'config.json').exists(): shutil.copytree(model_dir, model_dir.with_name('model_voice_music'))
            model_dir = model_dir.with_name('model_voice_music')
        voice = json.loads((model_dir/'config.json').read_text()).get('voice')
        if args.voice and (voice is None or args.voice_music != ('music' in voice['fitted_on'])):
            fit_voice(model_dir, [root/c for c in trained_on], [args.holdout, SUSPECT_LABELS], music=args.music if args.voice_music else None, progress=False)
        classifier = GenderClassifier.load(model_dir, voice=args.voice)
        if args.voice and args.network_weight is not None: classifier.voice['network_weight'] = args.network_weight  # accuracy only: the joint scale stays the one fitted with the model's weight
        if args.voice and args.voice_gate is not None: classifier.voice_gate = math.log((1 - args.voice_gate)/args.voice_gate) if args.voice_gate else math.inf
        test = labelled_recordings(root, GROUPS[group])
        test['f0'] = f0_table(test, RUNS/'f0.json').to_numpy()
        train = labelled_recordings(root, trained_on)
        train = train[~train.speaker.isin(set(classifier.config.get('validation_speakers', [])))].groupby('speaker').head(3)
        train['f0'] = f0_table(train, RUNS/'f0.json').to_numpy()
        entry = score_group(classifier, test, train[['gender', 'f0']], RUNS/'copies'/group, root, held_tracks)
        entry.update(corpora=GROUPS[group], trained_on=trained_on, recipe={k: str(v) for k, v in recipe.items()}, seed=args.seed,
                     epochs=args.epochs, fit_seconds=classifier.config['training'].get('fit_seconds'),
                     seconds=round(time.time() - started))
        save(name + ('_voice' if args.voice else '') + ('_music' if args.voice_music else '') + (f'_w{args.network_weight:g}' if args.voice and args.network_weight is not None else '')
             + (f'_g{args.voice_gate:g}' if args.voice and args.voice_gate is not None else ''), group, entry)
        a = entry['high_arousal']
        print(f"   per clip {entry['clip']['balanced_accuracy']:.3f}, telephone {entry['telephone']['balanced_accuracy']:.3f}, "
              f"per speaker {entry['speaker']:.3f}, pitch {entry['pitch']['balanced_accuracy']:.3f}"
              + (f", short {entry['short']['balanced_accuracy']:.3f} (n={entry['short']['n']})" if entry['short'] else '')
              + (f", high arousal male/female recall {a['male_recall']:.3f}/{a['female_recall']:.3f}" if a else '')
              + (f", over music {m['balanced_accuracy']:.3f} (female/male recall {m['female_recall']:.3f}/{m['male_recall']:.3f})" if (m := entry['over_music']) else '')
              + f" [{entry['seconds']} s]", flush=True)


if __name__ == '__main__':
    main()
