"""The speech/music/noise detector (issue 16) on recordings it never heard: held-out speakers (three corpora kept out
of the detector's training), held-out music tracks (every fourth track of each music package), and freshly
generated tones and noises.

    python experiments/detector.py --corpora-root ../shared/data --music DIR [DIR ...] [--detector FOLDER] [--n 200]

Whole files through `GenderClassifier.predict_many`, with the detector and without it (detector=None, the model
alone), by set:

- music excerpts (5-30 s) of the held-out tracks; synthetic tones, chords and melodies; synthetic noises and
  babble of held-out speakers: the share given a gender (male/female; target <= 1 %);
- speech of the held-out speakers, clean and over held-out music at 10 dB SNR: the share gendered (detected as
  speech) and the gender balanced accuracy, against the model alone.

Long mixtures (`--mixtures`, five minutes each) through `GenderClassifier.segment`: alternating-gender turns of
LibriSpeech speakers that neither the gender model (its validation speakers) nor the detector (a held-out corpus)
trained on, with stretches of held-out music, generated noise, pauses, and turns spoken over music (10 dB). Per
10 ms frame: speech given a gender (target >= 97 %), music and noise given a gender (target <= 2 %), music and
noise given their kind, gender accuracy on the speech, gender changes found within 0.5 s and false ones per 5
minutes (strictly: of the midpoint between the two turns; and "in gap": anywhere from 0.5 s before the end of one
turn to 0.5 s after the start of the next, as across 5-20 s of music the change has no one place), and the share
of changes missed in the gap beside a turn that the timeline gives mostly the other gender (the gender model's error); with the
detector, with the model alone, and for a simple energy detector (frames above -40 dBFS are speech) as a baseline. Speed: one hour of speech through `segment`, and 2,000 one-second clips through
`predict_many`, with and without the detector.

The split (which corpora and tracks the shipped detector trained on) is read from the detector's config. Results:
experiments/results/detector.json (or `--out`) and a table. Settings are chosen on other mixtures than those reported:

    python experiments/detector.py ... --first-mixture 10 --speech-odds 4 --out odds4.json   # mixtures 10-19, odds 4:1
    python experiments/detector.py ... --model runs/music/model --out music.json   # another gender model (its validation speakers make the mixtures)
"""
from __future__ import annotations
import argparse, json, os, time
from pathlib import Path
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'experiments'/'results'/'detector.json'


def write_sets(work:Path, root:Path, split:dict, held_tracks:list, n:int, seed:int=1)->dict:
    "The evaluation files, by set (written once): {set: [(path, gender or '')]}."
    from genderaudio.augment import synthetic_music, synthetic_noise, mix, excerpt
    from genderaudio.corpora import training_sources
    from genderaudio.audio import load_audio
    rng, sample_rate = np.random.default_rng(seed), 16000
    speech = training_sources([root/c for c in split['held_out_corpora']], None)
    speech = speech.groupby('corpus').apply(lambda d: d.sample(min(len(d), n), random_state=seed)).reset_index(drop=True)
    sets = {'speech': [(p, g) for p, g in zip(speech.path, speech.gender)]}
    def made(name, make):
        folder = work/name; folder.mkdir(parents=True, exist_ok=True); rows = []
        for i in range(n):
            path = folder/f'{name}-{i:04d}.wav'
            audio, gender = make(i)
            if not path.exists(): sf.write(path, audio, sample_rate, subtype='PCM_16')
            rows.append((str(path), gender))
        return rows
    clip = lambda a: np.clip(a, -1, 1)
    sets['music'] = made('music', lambda i: (clip(excerpt(held_tracks[i % len(held_tracks)], rng.uniform(5, 30), sample_rate, rng)), ''))
    sets['tones'] = made('tones', lambda i: (synthetic_music(rng.uniform(2, 10), sample_rate, rng), ''))
    sets['noise'] = made('noise', lambda i: (synthetic_noise(rng.uniform(2, 10), sample_rate, rng), ''))
    def babble(i):
        out = np.zeros(int(rng.uniform(3, 8)*sample_rate), np.float32)
        for p in rng.choice(speech.path, 8): v = load_audio(p, sample_rate); out += np.resize(v, len(out))/(np.abs(v).max() + 1e-9)/8
        return clip(out), ''
    sets['babble'] = made('babble', babble)
    def over_music(i):
        p, g = sets['speech'][i % len(sets['speech'])]
        v = load_audio(p, sample_rate)
        return clip(mix(v, excerpt(held_tracks[i % len(held_tracks)], len(v)/sample_rate + 1, sample_rate, rng), 10.)), g
    sets['speech over music'] = made('speech_over_music', over_music)
    return sets


def score(predictions:list, rows:list)->dict:
    "Share gendered, and for speech the gender balanced accuracy and each gender's recall (files called no speech count as wrong)."
    labels = [p.label for p in predictions]
    out = dict(files=len(rows), gendered=float(np.mean([l in ('female', 'male') for l in labels])),
               kinds={k: labels.count(k) for k in set(labels)}, kind={k: [p.kind for p in predictions].count(k) for k in set(p.kind for p in predictions)})
    genders = [g for _, g in rows]
    if all(genders):
        recall = [np.mean([l == g for l, g2 in zip(labels, genders) if g2 == g]) for g in ('female', 'male')]
        out['balanced_accuracy'] = float(np.mean(recall))
        out['female_recall'], out['male_recall'] = map(float, recall)
    return out


def level(audio:np.ndarray, db:float)->np.ndarray:
    "`audio` at an RMS level of `db` dBFS."
    return (audio*10**(db/20)/(np.sqrt(np.mean(np.square(audio, dtype=np.float64))) + 1e-9)).astype(np.float32)


def unheard_readers(root:Path, clf)->'pd.DataFrame':
    "The LibriSpeech recordings of the readers `clf`'s gender model kept for validation (never trained on), for `mixture`."
    from genderaudio.corpora import training_sources
    libri = training_sources([root/'librispeech_train100'], None)
    return libri[libri.speaker_key.isin(set(clf.config.get('validation_speakers', [])))]


def mixture(turn_speech, held_tracks:list, rng, seconds:float=300., sample_rate:int=16000)->tuple:
    "Samples; the truth as (start, end, label) with labels female, male, music, noise; and which 10 ms frames hold an audible voice."
    from genderaudio.augment import synthetic_noise, mix, excerpt
    from genderaudio.audio import load_audio
    by_gender = {g: rows for g, rows in turn_speech.groupby('gender')}
    gender, pieces, truth, t, voices = rng.choice(['female', 'male']), [], [], 0., []
    def add(audio, label, voice=None):
        nonlocal t
        pieces.append(audio); start = t; t += len(audio)/sample_rate
        if label: truth.append((start, t, label))
        voices.append(voice if voice is not None else np.zeros(len(audio), np.float32))
    while t < seconds:
        r = rng.random()
        if r < 0.15: add(np.clip(level(excerpt(held_tracks[rng.integers(len(held_tracks))], rng.uniform(5, 20), sample_rate, rng), -20), -1, 1), 'music')
        elif r < 0.25: add(level(synthetic_noise(rng.uniform(3, 8), sample_rate, rng), -30), 'noise')
        else:
            rows = by_gender[gender]; speaker = rng.choice(rows.speaker.unique())
            files = rows[rows.speaker == speaker].path.tolist()
            voice = np.concatenate([np.concatenate([level(load_audio(p, sample_rate), -20), np.zeros(int(rng.uniform(0.2, 0.6)*sample_rate), np.float32)])
                                    for p in rng.choice(files, size=min(len(files), int(rng.integers(1, 3))), replace=False)])
            alone = voice
            if r > 0.85: voice = np.clip(mix(voice, excerpt(held_tracks[rng.integers(len(held_tracks))], len(voice)/sample_rate + 1, sample_rate, rng), 10.), -1, 1)
            add(voice, gender, alone); gender = 'male' if gender == 'female' else 'female'
        add(np.zeros(int(rng.uniform(0.3, 1.5)*sample_rate), np.float32), '')
    voice = np.concatenate(voices); n = -(-len(voice)//160)
    frames = np.zeros(n*160, np.float64); frames[:len(voice)] = voice
    audible = 10*np.log10(np.mean(frames.reshape(n, 160)**2, axis=1) + 1e-12) > -50.  # 30 dB under the voices' level
    return np.concatenate(pieces), truth, audible


def frame_scores(said_segments:list, truth:list, duration:float, audible:np.ndarray, tolerance:float=0.5)->dict:
    "The per-frame figures of one timeline (or of a list of (start, end, label)) against the truth (`audible`: frames of a voice above -50 dBFS)."
    grid = np.arange(0, duration, 0.01)
    audible = np.pad(audible, (0, max(0, len(grid) - len(audible))))[:len(grid)]
    true = np.full(len(grid), '', object); said = np.full(len(grid), 'no speech', object)
    for s, e, label in truth: true[(grid >= s) & (grid < e)] = label
    for seg in said_segments: said[(grid >= seg[0]) & (grid < seg[1])] = seg[2]
    speech, other = np.isin(true, ['female', 'male']), np.isin(true, ['music', 'noise'])
    gendered = np.isin(said, ['female', 'male'])
    spoken = [seg for seg in said_segments if seg[2] in ('female', 'male')]
    found = [(a[1] + b[0])/2 for a, b in zip(spoken, spoken[1:]) if a[2] != b[2]]
    turns = [x for x in truth if x[2] in ('female', 'male')]
    gaps = [(a[1], b[0]) for a, b in zip(turns, turns[1:]) if a[2] != b[2]]  # where each true change lies
    def matched(spans):  # true changes with a found change in their span, and found changes in no span
        return sum(any(lo <= f <= hi for f in found) for lo, hi in spans), sum(not any(lo <= f <= hi for lo, hi in spans) for f in found)
    hits, false = matched([((a + b)/2 - tolerance, (a + b)/2 + tolerance) for a, b in gaps])  # of the midpoint
    hits_in_gap, false_in_gap = matched([(a - tolerance, b + tolerance) for a, b in gaps])  # across music or noise, the change is anywhere between the turns
    def wrong(turn):  # most of the turn's gendered frames say the other gender: the gender model's error, not the timeline's
        inside = said[(grid >= turn[0]) & (grid < turn[1])]; inside = inside[np.isin(inside, ['female', 'male'])]
        return len(inside) > 0 and np.mean(inside == turn[2]) < 0.5
    pairs = [(a, b) for a, b in zip(turns, turns[1:]) if a[2] != b[2]]
    missed_wrong = sum(not any(a[1] - tolerance <= f <= b[0] + tolerance for f in found) and (wrong(a) or wrong(b)) for a, b in pairs)
    share = lambda x: float(x.mean()) if len(x) else None  # None: no such frames in this mixture
    return dict(speech_gendered=share(gendered[speech]), audible_speech_gendered=share(gendered[speech & audible]), not_speech_gendered=share(gendered[other]),
                audible_speech_frames=int((speech & audible).sum()), not_speech_frames=int(other.sum()),  # to pool mixtures: sum(share*frames)/sum(frames)
                music_called_music=share(said[true == 'music'] == 'music'), noise_called_noise=share(said[true == 'noise'] == 'noise'),
                gender_accuracy=share(said[speech & gendered] == true[speech & gendered]),
                change_recall=hits/max(len(gaps), 1), false_changes_per_5_min=false*300/duration,
                change_recall_in_gap=hits_in_gap/max(len(gaps), 1), false_changes_in_gap_per_5_min=false_in_gap*300/duration,
                changes_missed_beside_misgendered_turn=missed_wrong/max(len(gaps), 1))  # of the changes missed in the gap


POOLED = dict(not_speech_gendered='not_speech_frames', audible_speech_gendered='audible_speech_frames')  # share: its frames

def pooled(mixtures:list, share:str, frames:str)->float:
    "A frame share over all `mixtures` together (each mixture counting by its frames, not alike)."
    rows = [(m[share], m[frames]) for m in mixtures if m[share] is not None]
    return float(sum(s*n for s, n in rows)/sum(n for _, n in rows))

def summarise(mixtures:list)->tuple:
    "(mean, pooled) of `frame_scores` entries: each figure's mean over the mixtures, and the frame shares of `POOLED` over all their frames."
    mean = {m: float(np.mean([e[m] for e in mixtures if e[m] is not None])) for m in mixtures[0]}
    return mean, {m: pooled(mixtures, m, frames) for m, frames in POOLED.items()}


def timeline_scores(clf, audio:np.ndarray, truth:list, audible:np.ndarray)->dict:
    "`frame_scores` of `clf.segment`'s timeline of a 16 kHz mixture."
    return frame_scores([(s.start, s.end, s.label) for s in clf.segment(audio, 16000)], truth, len(audio)/16000, audible)


def energy_timeline(audio:np.ndarray, sample_rate:int=16000, threshold_db:float=-40.)->list:
    "The baseline: 10 ms frames above `threshold_db` are speech (given a gender: here 'female', as the detector-less model would give one)."
    frames = audio[:len(audio)//160*160].reshape(-1, 160).astype(np.float64)
    loud = 10*np.log10(np.mean(frames**2, axis=1) + 1e-12) > threshold_db
    return [(i*0.01, (i + 1)*0.01, 'female' if v else 'no speech') for i, v in enumerate(loud)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpora-root', default=os.environ.get('GENDERAUDIO_CORPORA'))
    parser.add_argument('--music', nargs='+', required=True, help='the music folders the detector was trained from (its held-out tracks are used)')
    parser.add_argument('--detector', default=None, help='detector folder (default: the shipped one)')
    parser.add_argument('--model', default=None, help='gender model folder (default: the shipped one), e.g. a candidate recipe trained like it')
    parser.add_argument('--n', type=int, default=200, help='files per set (speech: per held-out corpus)')
    parser.add_argument('--work', default='runs/detector_eval')
    parser.add_argument('--mixtures', type=int, default=10, help='five-minute mixtures')
    parser.add_argument('--first-mixture', type=int, default=0, help='the first mixture made (e.g. 10: ten other mixtures, to choose a setting on)')
    parser.add_argument('--speed-clips', default='runs/bench_cluster/clips', help='one-second clips for the speed test (experiments/cluster.py makes them)')
    parser.add_argument('--speed-hour', default='runs/bench_cluster/hours/hour-00.flac', help='an hour of speech')
    parser.add_argument('--speech-odds', type=float, default=None, help="the timeline's odds for speech (`inference.SPEECH_ODDS`) to try instead of the shipped ones")
    parser.add_argument('--out', default=str(RESULTS), help='results file (e.g. to judge another detector without replacing the shipped one\'s)')
    args = parser.parse_args()
    import genderaudio.inference
    from genderaudio.inference import GenderClassifier, default_detector_dir
    if args.speech_odds is not None: genderaudio.inference.SPEECH_ODDS = args.speech_odds  # read by `segment` at each call
    from genderaudio.augment import music_tracks
    folder = Path(args.detector) if args.detector else default_detector_dir()
    split = json.loads((folder/'config.json').read_text())['training_data']
    held_tracks = [t for t in music_tracks(args.music) if Path(t).name not in set(split['train_tracks'])]  # the config names its tracks
    sets = write_sets(Path(args.work), Path(args.corpora_root), split, held_tracks, args.n)
    with_detector, alone = GenderClassifier(args.model, detector=folder), GenderClassifier(args.model, detector=None)
    results = dict(model=str(with_detector.directory), detector=str(folder), speech_odds=genderaudio.inference.SPEECH_ODDS, first_mixture=args.first_mixture, sets={})
    for name, rows in sets.items():
        started = time.time()
        paths = [p for p, _ in rows]
        entry = dict(detector=score(with_detector.predict_many(paths), rows), model_alone=score(alone.predict_many(paths), rows))
        entry['seconds'] = round(time.time() - started, 1)
        results['sets'][name] = entry
        d, a = entry['detector'], entry['model_alone']
        print(f"{name:18} {d['files']:5} files: gendered {d['gendered']:.3f} (model alone {a['gendered']:.3f})"
              + (f", balanced accuracy {d['balanced_accuracy']:.3f} (alone {a['balanced_accuracy']:.3f})" if 'balanced_accuracy' in d else ''), flush=True)
    unheard = unheard_readers(Path(args.corpora_root), alone)
    results['mixtures'] = []
    for seed in range(args.first_mixture, args.first_mixture + args.mixtures):
        audio, truth, audible = mixture(unheard, held_tracks, np.random.default_rng(100 + seed))
        entry = {name: timeline_scores(clf, audio, truth, audible) for name, clf in (('detector', with_detector), ('model_alone', alone))}
        entry['energy_baseline'] = frame_scores(energy_timeline(audio), truth, len(audio)/16000, audible)
        results['mixtures'].append(entry)
        print(f"mixture {seed}: " + json.dumps({k: {m: (round(v, 3) if v is not None else None) for m, v in e.items()} for k, e in entry.items()}), flush=True)
    summaries = {k: summarise([e[k] for e in results['mixtures']]) for k in results['mixtures'][0]}
    results['mixtures_pooled'] = {k: pooled for k, (_, pooled) in summaries.items()}
    results['mixtures_mean'] = {k: mean for k, (mean, _) in summaries.items()}
    speed = {}
    clips = sorted(str(p) for p in Path(args.speed_clips).glob('*.wav'))[:2000]
    for name, clf in (('detector', with_detector), ('model_alone', alone)):
        if clips:
            clf.predict_many(clips[:64])
            started = time.time(); clf.predict_many(clips); speed[f'clips_per_second_{name}'] = round(len(clips)/(time.time() - started), 1)
        if Path(args.speed_hour).exists():
            started = time.time(); clf.segment(args.speed_hour); speed[f'hour_segment_seconds_{name}'] = round(time.time() - started, 1)
    results['speed'], results['load_average'] = speed, os.getloadavg()[0]
    print('mean over mixtures', json.dumps(results['mixtures_mean'], indent=1), '\npooled', json.dumps(results['mixtures_pooled']), '\nspeed', speed, flush=True)
    out = Path(args.out); tmp = out.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(out)


if __name__ == '__main__':
    main()
