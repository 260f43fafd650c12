"""Does a pretrained speaker encoder know gender on voices our ResNets never heard? Leave-one-corpus-out.

Every recording of the LOCO groups (`loco.py`'s GROUPS) is cut into the one-second windows the classifier uses (every
0.5 s, those at least 20 % voiced; a clip shorter than a second padded), and each window becomes a d-vector with
Resemblyzer's GE2E encoder (`genderaudio.encoder.VoiceEncoder`, run with ONNX Runtime). Then, for each group, a
logistic regression on the windows' d-vectors is trained on the other groups' corpora (every corpus, and each gender
within it, weighted equally; the speakers of my_wavs and suspect_labels.csv left out, as `loco.py` does) and tested on
the group: a clip's log-odds is the mean over its windows. Reported per group, per clip (balanced accuracy, clean):

- the encoder alone; per speaker (majority of the speaker's clips);
- each LOCO run's ResNet (`loco.json`'s p_female of the same clips), and the two added (log-odds of the ResNet's
  calibrated p_female plus the encoder's), as one model would add them;
- the same sum only where the ResNet is unsure (p_female between 0.1 and 0.9), and the share of clips that are:
  what running the encoder only when it is needed would give;
- male and female recall on the high-arousal clips, and balanced accuracy on clips with 0.3-0.8 s of speech.

Clips the ResNet gave no verdict (no speech) count as wrong for every column, as in `loco.py`.

How much should the ResNet count against the encoder, on voices neither heard? `fusion` weighs the ResNet's log-odds
by w (the encoder's by 1) and adds the encoder's only where the ResNet's p_female lies inside a gate: w fitted by a
logistic regression without intercept on every group's clips (each group and gender within it weighted alike), the
same leaving each group out in turn (and tested on it: the cross-fitted figures), and a grid of w and gates.

Does another probe generalise better? `--probe-variants` also fits it with C 0.3, 3 and 10 instead of 1, on the
training windows plus a pitch-moved copy of each (0-5 semitones toward the other gender, formants kept, as the
ResNets' training moves them), and on 1.6 s windows (0.3 s more either side: the partial utterances the encoder was
trained on); each reported alone and added to each run's ResNet (weight 1, every clip), mean and worst over the groups.
The summary also gives each run's expected calibration error over all groups' clips: the ResNet alone, the sum on
every clip (what `segment` does on every window) and the sum where the ResNet is unsure (what `predict` does).

    pip download resemblyzer --no-deps -d /tmp/rz && unzip -o -q /tmp/rz/Resemblyzer-*.whl -d /tmp/rz   # the weights (Apache-2.0)
    python experiments/voice_encoder.py --checkpoint /tmp/rz/resemblyzer/pretrained.pt --corpora-root ../shared/data [--probe-variants]

The converted encoder and the windows' d-vectors are kept in runs/voice_encoder/; results go to
experiments/results/voice_encoder.json.
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np, pandas as pd

from genderaudio.audio import load_audio, fix_length
from genderaudio.augment import pitch_toward_other_gender
from genderaudio.corpora import holdout_speakers
from genderaudio.encoder import VoiceEncoder, convert_resemblyzer, onnx_voice_encoder
from genderaudio.runtime import onnx_session
from safetensors.numpy import load_file
from genderaudio.evaluate import classification_metrics, expected_calibration_error
from genderaudio.speech import voiced_frames, window_voiced_frames, is_speech_window
from loco import GROUPS, labelled_recordings, SUSPECT_LABELS, speaker_balanced_accuracy

RESULTS = Path(__file__).parent/'results'/'voice_encoder.json'
RUNS = Path('runs/voice_encoder')
HOLDOUT = Path(__file__).parent.parent/'my_wavs'/'labels.csv'
SR, HOP = 16000, 8000


def speech_windows(audio:np.ndarray, context:float=0.)->np.ndarray:
    "The one-second windows of `audio` the classifier would gender: every 0.5 s, at least 20 % voiced (all, if none is); `context` seconds more either side."
    audio = fix_length(audio, max(len(audio), SR))
    starts = np.arange(0, len(audio) - SR + 1, HOP)
    keep = is_speech_window(window_voiced_frames(voiced_frames(audio, SR), starts, SR, SR), 1.)
    extra = int(context*SR); padded = np.pad(audio, extra)
    return np.stack([padded[s:s + SR + 2*extra] for s in starts[keep if keep.any() else slice(None)]])


def clean_windows(i:int, path, gender:str)->np.ndarray:
    "The speech windows of recording `i` (`path`), as the classifier cuts them."
    return speech_windows(load_audio(path, SR))

def pitch_moved_windows(i:int, path, gender:str)->np.ndarray:
    "Those windows with the pitch moved toward the other gender by 0-5 semitones, formants kept (the network's training move), seeded by `i`."
    rng = np.random.default_rng(i)
    return np.stack([pitch_toward_other_gender(w, rng, gender) for w in clean_windows(i, path, gender)])

def context_windows(i:int, path, gender:str)->np.ndarray:
    "Those windows with 0.3 s more either side: the 1.6 s partial utterances the encoder was trained on."
    return speech_windows(load_audio(path, SR), context=0.3)


def quantised(graph:bytes)->bytes:
    "`graph` with its weights in 8 bits (ONNX Runtime's dynamic quantisation): 2.3x faster on this CPU, and it ruins the d-vectors."
    import tempfile
    from onnxruntime.quantization import quantize_dynamic, QuantType
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp)/'float.onnx').write_bytes(graph)
        quantize_dynamic(str(Path(tmp)/'float.onnx'), str(Path(tmp)/'int8.onnx'), weight_type=QuantType.QInt8)
        return (Path(tmp)/'int8.onnx').read_bytes()


def window_dvectors(encoder:VoiceEncoder, table:pd.DataFrame, cache:Path, windows=clean_windows)->tuple:
    "(file index of each window, d-vectors) of every recording of `table`, its windows cut by `windows`, cached."
    paths = list(table.path)
    if cache.exists():
        saved = np.load(cache)
        if list(saved['paths']) == paths: return saved['files'], saved['dvectors']
    files, dvectors, started = [], [], time.time()
    for i, (path, gender) in enumerate(zip(paths, table.gender)):
        e = encoder.embed(windows(i, path, gender)); files += [i]*len(e); dvectors.append(e)
        if i % 1000 == 0: print(f'{i}/{len(paths)} files, {time.time() - started:.0f} s', flush=True)
    files, dvectors = np.array(files), np.concatenate(dvectors)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache.with_suffix('.tmp.npz'), paths=np.array(paths), files=files, dvectors=dvectors); cache.with_suffix('.tmp.npz').replace(cache)
    return files, dvectors


def clip_log_odds(files:np.ndarray, dvectors:np.ndarray, table:pd.DataFrame, train:np.ndarray, C:float=1., extra:tuple|None=None)->np.ndarray:
    "Each clip's mean window log-odds of female from a logistic regression (inverse regularisation `C`) on the `train` clips' windows (and the (files, d-vectors) of `extra` windows)."
    from sklearn.linear_model import LogisticRegression
    per_file = 1/table[train].groupby(['corpus', 'gender']).path.transform('count')  # every corpus and gender alike...
    weight = np.zeros(len(table)); weight[np.flatnonzero(train)] = per_file
    fit_files, fit_dvectors = (np.r_[files, extra[0]], np.r_[dvectors, extra[1]]) if extra else (files, dvectors)
    w = (weight/np.maximum(np.bincount(fit_files, minlength=len(table)), 1))[fit_files]  # ...and every clip alike, however many windows it has
    mask = w > 0
    female = (table.gender.to_numpy() == 'female')[fit_files]
    probe = LogisticRegression(C=C, max_iter=5000).fit(fit_dvectors[mask], female[mask], sample_weight=w[mask]/w[mask].mean())
    return np.bincount(files, probe.decision_function(dvectors), minlength=len(table))/np.maximum(np.bincount(files, minlength=len(table)), 1)


def figures(test:pd.DataFrame, p:np.ndarray)->dict:
    "Per clip, per speaker, high-arousal and short-clip figures of p_female on `test`."
    clips = test.assign(p_female=p)
    arousal, short = clips[clips.high_arousal], clips[(clips.speech_seconds >= 0.3) & (clips.speech_seconds <= 0.8)]
    m = classification_metrics(clips.gender, clips.p_female)
    a = classification_metrics(arousal.gender, arousal.p_female) if len(arousal) else None
    return dict(clip=m['balanced_accuracy'], speaker=speaker_balanced_accuracy(clips[~np.isnan(p)]),
                high_arousal_male_recall=a and a['male_recall'], high_arousal_female_recall=a and a['female_recall'],
                short=classification_metrics(short.gender, short.p_female)['balanced_accuracy'] if len(short) else None)


def network_weight(clips:pd.DataFrame)->float:
    "The ResNet's weight against the encoder's (1): a logistic regression without intercept, every group and gender in it alike."
    from sklearn.linear_model import LogisticRegression
    clips = clips[~clips.zr.isna()]
    w = 1/clips.groupby(['group', 'gender']).zr.transform('count')
    fit = LogisticRegression(fit_intercept=False).fit(np.c_[clips.zr, clips.zv], clips.gender == 'female', sample_weight=w/w.mean())
    return float(fit.coef_[0, 0]/fit.coef_[0, 1])


def fusion(clips:pd.DataFrame, weights=(0.25, 0.4, 0.5, 0.75, 1.), gates=(0.1, 0.05, 0.02, 0.))->dict:
    "The ResNet weighed by w against the encoder, the encoder added where the ResNet's p_female is within (gate, 1 - gate)."
    def fused(d, w, gate):
        unsure = (d.p > gate) & (d.p < 1 - gate)
        return np.where(d.zr.isna(), np.nan, np.where(unsure, w*d.zr + d.zv, d.zr))
    def score(w, gate, held=None):
        by_group = {g: classification_metrics(d.gender, 1/(1 + np.exp(-fused(d, w if held is None else held[g], gate))))['balanced_accuracy'] for g, d in clips.groupby('group')}
        return dict(mean=float(np.mean(list(by_group.values()))), worst=min(by_group.values()), by_group=by_group)
    held = {g: network_weight(clips[clips.group != g]) for g in clips.group.unique()}
    return dict(weight=network_weight(clips), weight_without=held,
                grid={f'w{w:g} gate{gate:g}': score(w, gate) for w in weights for gate in gates},
                cross_fitted={f'gate{gate:g}': score(None, gate, held) for gate in gates})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpora-root', default=os.environ.get('GENDERAUDIO_CORPORA'), help='default: $GENDERAUDIO_CORPORA')
    parser.add_argument('--checkpoint', help="Resemblyzer's pretrained.pt (converted once into runs/voice_encoder/encoder)")
    parser.add_argument('--int8', action='store_true', help='the encoder with 8-bit weights (results as voice_encoder_int8.json): 0.932 alone against 0.974')
    parser.add_argument('--probe-variants', action='store_true', help="also probes fitted otherwise (C 0.3, 3, 10; with pitch-moved copies of the training windows; on 1.6 s windows): each run's `probes`")
    parser.add_argument('--runs', nargs='+', default=['pitch', 'pitch_s1', 'pitch_train_windows', 'pitch_train_windows_s1'], help="loco.json entries whose ResNet predictions to add the encoder to")
    args = parser.parse_args()
    if not args.corpora_root: parser.error('give --corpora-root or set GENDERAUDIO_CORPORA')
    root, folder = Path(args.corpora_root).expanduser().absolute(), RUNS/'encoder'
    if not (folder/'config.json').exists():
        if not args.checkpoint: parser.error('give --checkpoint (Resemblyzer\'s pretrained.pt) for the first run')
        convert_resemblyzer(args.checkpoint, folder)
    table = labelled_recordings(root, [c for corpora in GROUPS.values() for c in corpora])
    encoder = VoiceEncoder(folder)
    if args.int8: encoder.session = onnx_session(quantised(onnx_voice_encoder(load_file(folder/'weights.safetensors'), encoder.config['architecture'])))
    files, dvectors = window_dvectors(encoder, table, RUNS/f"window_dvectors{'_int8' if args.int8 else ''}.npz")
    variants = {} if not args.probe_variants else {  # name: clip_log_odds settings (and the windows it is fitted and tested on)
        'C0.3': dict(C=0.3), 'C3': dict(C=3.), 'C10': dict(C=10.),
        'pitch_moved': dict(extra=window_dvectors(encoder, table, RUNS/'window_dvectors_pitch_moved.npz', pitch_moved_windows)),
        'context_1.6s': dict(windows=window_dvectors(encoder, table, RUNS/'window_dvectors_context.npz', context_windows))}
    held = holdout_speakers([HOLDOUT, SUSPECT_LABELS])
    held = table.speaker.isin({f'{c}/{s}' for c, speakers in held.items() for s in speakers}).to_numpy()
    loco = json.loads((Path(__file__).parent/'results'/'loco.json').read_text())
    results, clips_by_run = {}, {run: [] for run in args.runs}
    for group, corpora in GROUPS.items():
        in_group = table.corpus.isin(corpora).to_numpy()
        z = clip_log_odds(files, dvectors, table, ~in_group & ~held)[in_group]
        variant_z = {name: clip_log_odds(*v.get('windows', (files, dvectors)), table, ~in_group & ~held, v.get('C', 1.), v.get('extra'))[in_group] for name, v in variants.items()}
        test = table[in_group].reset_index(drop=True)
        entry = dict(clips=len(test), speakers=int(test.speaker.nunique()), trained_on=sorted(set(table.corpus[~in_group])))
        relative = np.array([os.path.relpath(p, root) for p in test.path])
        for run in args.runs:
            if group not in loco.get(run, {}): continue
            saved = pd.DataFrame(loco[run][group]['predictions']).set_index('path')
            tested = np.isin(relative, saved.index)  # the clips that run tested (the suspect speakers, for one, were left out)
            clips = test[tested].assign(speech_seconds=saved.speech_seconds.loc[relative[tested]].to_numpy())
            resnet = saved.p_female.loc[relative[tested]].astype(float).to_numpy()  # None (no speech): NaN, counted wrong
            zr, zv = np.log(np.clip(resnet, 1e-6, 1 - 1e-6)/np.clip(1 - resnet, 1e-6, 1)), z[tested]
            unsure = (resnet > 0.1) & (resnet < 0.9)
            clips_by_run[run].append(pd.DataFrame(dict(group=group, gender=clips.gender.to_numpy(), p=resnet, zr=np.where(np.isnan(resnet), np.nan, zr), zv=zv)))
            answered = lambda zz: np.where(np.isnan(resnet), np.nan, 1/(1 + np.exp(-zz)))
            entry[run] = dict(clips=len(clips), encoder=figures(clips, answered(zv)), resnet=figures(clips, resnet), sum=figures(clips, answered(zr + zv)),
                              sum_where_unsure=figures(clips, answered(np.where(unsure, zr + zv, zr))), unsure_share=float(np.nanmean(unsure)))
            clip_accuracy = lambda zz: classification_metrics(clips.gender, answered(zz))['balanced_accuracy']
            entry[run]['probes'] = {name: dict(encoder=clip_accuracy(zz[tested]), sum=clip_accuracy(zr + zz[tested])) for name, zz in variant_z.items()}
        results[group] = entry
        print(group, {run: {k: round(v['clip'], 3) for k, v in entry[run].items() if k != 'probes' and isinstance(v, dict)} for run in args.runs if run in entry}, flush=True)
    summary = {run: {kind: dict(mean=float(np.mean([results[g][run][kind]['clip'] for g in results if run in results[g]])),
                                worst=float(np.min([results[g][run][kind]['clip'] for g in results if run in results[g]])))
                     for kind in ('encoder', 'resnet', 'sum', 'sum_where_unsure')} for run in args.runs}
    for run in args.runs:
        groups, c = [g for g in results if run in results[g]], pd.concat(clips_by_run[run])
        unsure = (c.p > 0.1) & (c.p < 0.9)
        summary[run]['ece'] = {kind: expected_calibration_error(c.gender, 1/(1 + np.exp(-z))) for kind, z in  # every group's clips together
                               (('resnet', c.zr), ('sum', c.zr + c.zv), ('sum_where_unsure', np.where(unsure, c.zr + c.zv, c.zr)))}
        summary[run]['probes'] = {name: {kind: dict(mean=float(np.mean([results[g][run]['probes'][name][kind] for g in groups])),
                                                    worst=float(np.min([results[g][run]['probes'][name][kind] for g in groups]))) for kind in ('encoder', 'sum')} for name in variants}
    print(json.dumps(summary, indent=1))
    fused = {run: fusion(pd.concat(clips)) for run, clips in clips_by_run.items() if clips}
    for run, f in fused.items(): print(run, 'network weight', round(f['weight'], 3), {k: round(v['mean'], 3) for k, v in f['cross_fitted'].items()})
    out = dict(encoder=json.loads((folder/'config.json').read_text())['source'], windows=int(len(files)), groups=results, summary=summary, fusion=fused)
    results_file = RESULTS.with_name('voice_encoder_int8.json') if args.int8 else RESULTS
    results_file.parent.mkdir(exist_ok=True)
    tmp = results_file.with_suffix('.tmp'); tmp.write_text(json.dumps(out, indent=1)); tmp.replace(results_file)


if __name__ == '__main__':
    main()
