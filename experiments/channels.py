"""Score models on real telephone/VoIP codecs and reverberant rooms, on speakers they never heard.

`recipes.py` tests a synthetic telephone line (band-pass, 8 kHz, G.711 mu-law). Real lines and calls also pass
through lossy speech codecs, and real rooms add reverberation; neither is in the training augmentation. Here every
test recording is passed through ffmpeg's encoders (GSM 06.10 full rate, G.723.1 at 6.3 kbit/s, Opus at 8 kbit/s
in VoIP mode, MP3 at 16 kbit/s) and decoded at 8 kHz, or convolved with a synthetic room impulse response
(exponentially decaying noise, reverberation time 0.3 s and 0.7 s), and scored per clip / per utterance.

Users also classify short recordings: a word said into `genderaudio.record`'s one second, a "yes" on a phone line.
AudioMNIST_AZ's clips are such words; LibriSpeech's are sentences, so the `words` condition cuts six word-length
spans (0.3-0.8 s of speech, at random places in the speech) out of every LibriSpeech test recording and scores each
as a recording of its own, per clip (`words_telephone`: the same spans through the telephone channel).

    python experiments/channels.py --models default cv0 cv1 cv2 cv3 cv4 cv0_pitch_shift ...
    python experiments/channels.py --models cv0 cv1 --channels words words_telephone   # add conditions to the entries

`default` is the shipped model, tested on its validation speakers; other names are `experiments/recipes.py` runs in
runs/recipes/NAME/model, tested like recipes.py does (held-out speakers of the corpora they were trained on, all of
the other corpus). Needs ffmpeg (`apt-get install ffmpeg`). Results accumulate in experiments/results/channels.json.
"""
import argparse, hashlib, json, os, shutil, subprocess, sys, zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import librosa, numpy as np, soundfile as sf
from scipy.signal import fftconvolve

sys.path.insert(0, str(Path(__file__).parent))
from recipes import test_sets, RESULTS as RECIPE_RESULTS
from genderaudio.evaluate import classification_metrics, evaluate_files, telephone_copy
from genderaudio.audio import load_audio
from genderaudio.inference import GenderClassifier
from genderaudio.dataset import short_utterance

RESULTS = Path(__file__).parent/'results'/'channels.json'
COPIES = Path('runs/channels')
CODECS = {  # name: ffmpeg encoder arguments, file extension of the encoded file
    'gsm': (['-ar', '8000', '-c:a', 'libgsm'], 'gsm'),
    'g723': (['-ar', '8000', '-c:a', 'g723_1', '-b:a', '6300'], 'g723.wav'),
    'opus8k': (['-ar', '16000', '-c:a', 'libopus', '-b:a', '8k', '-application', 'voip'], 'ogg'),
    'mp3_16k': (['-ar', '16000', '-c:a', 'libmp3lame', '-b:a', '16k'], 'mp3'),
}
REVERB_SECONDS = (0.3, 0.7)
CHANNELS = ['clean', 'telephone', *CODECS, *(f'reverb{s}' for s in REVERB_SECONDS), 'words', 'words_telephone']
WORDS_PER_RECORDING = 6


def room_response(rt60:float, seed:int, sample_rate:int=16000)->np.ndarray:
    "A synthetic room impulse response: the direct sound, then noise decaying by 60 dB in `rt60` seconds."
    rng = np.random.default_rng(seed)
    t = np.arange(int(sample_rate*rt60*1.2))/sample_rate
    response = rng.standard_normal(len(t))*np.exp(-6.9*t/rt60)
    response[:int(0.003*sample_rate)] = 0; response[0] = 1.
    return (response/np.sqrt((response**2).sum())).astype(np.float32)


def channel_copy(path:str, channel:str)->Path:
    "The recording at `path` passed through `channel` (`telephone`, a codec name or `reverb<seconds>`), written once, as WAV."
    stem = copy_name(path)
    out = COPIES/channel/f'{stem}.wav'
    if channel == 'telephone': return telephone_copy(path, out)  # our own channel, as recipes.py tests it
    if out.exists(): return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + '.tmp.wav')
    if channel.startswith('reverb'):
        audio = load_audio(path, 16000)
        wet = fftconvolve(audio, room_response(float(channel[6:]), int(stem[-8:], 16)))[:len(audio)]
        sf.write(tmp, (wet/max(np.abs(wet).max(), 1e-6)*0.5).astype(np.float32), 16000, subtype='PCM_16')
    else:
        arguments, extension = CODECS[channel]
        encoded = out.with_name(out.stem + '.' + extension)
        subprocess.run(['ffmpeg', '-v', 'error', '-y', '-i', path, '-ac', '1', *arguments, str(encoded)], check=True)
        subprocess.run(['ffmpeg', '-v', 'error', '-y', '-i', str(encoded), '-ar', '8000', '-c:a', 'pcm_s16le', str(tmp)], check=True)
        encoded.unlink()
    tmp.replace(out)
    return out


def copy_name(path:str)->str:
    "A file name for copies of `path`, unique even when recordings in different folders share a name."
    return Path(path).stem + '_' + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:8]


def word_spans(audio:np.ndarray, seed:int, n:int=WORDS_PER_RECORDING, sample_rate:int=16000)->list:
    "`n` spans of 0.3 to 0.8 s of speech at random places in the speech regions (30 dB below the peak) of `audio`."
    rng = np.random.default_rng(seed)
    regions = [audio[s:e] for s, e in librosa.effects.split(audio, top_db=30) if e - s >= int(0.3*sample_rate)]
    return [short_utterance(regions[rng.integers(len(regions))], rng, sample_rate, shortest=0.3, longest=0.8) for _ in range(n)]


def word_copies(path:str, channel:str)->list:
    "Word-length spans of the long recording at `path` (`words`), or their telephone copies (`words_telephone`), each written once as a WAV."
    stem = copy_name(path)
    outs = [COPIES/'words'/f'{stem}_{k}.wav' for k in range(WORDS_PER_RECORDING)]
    if not all(out.exists() for out in outs):
        outs[0].parent.mkdir(parents=True, exist_ok=True)
        for out, span in zip(outs, word_spans(load_audio(path, 16000), zlib.crc32(stem.encode()))):
            tmp = out.with_name(out.stem + '.tmp.wav'); sf.write(tmp, span, 16000, subtype='PCM_16'); tmp.replace(out)
    if channel == 'words': return outs
    return [telephone_copy(out, COPIES/channel/out.name) for out in outs]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--audiomnist', default=os.environ.get('GENDERAUDIO_AUDIOMNIST'))
    parser.add_argument('--labels', default=os.environ.get('GENDERAUDIO_LABELS'))
    parser.add_argument('--holdout', default='my_wavs/labels.csv')
    parser.add_argument('--models', nargs='+', default=['default'])
    parser.add_argument('--channels', nargs='+', default=CHANNELS, choices=CHANNELS,
                        help='conditions to score (replacing those already in the entry, keeping the others)')
    args = parser.parse_args()
    if shutil.which('ffmpeg') is None: sys.exit("channels.py: ffmpeg not found (apt-get install ffmpeg)")
    recipes = json.loads(RECIPE_RESULTS.read_text()) if RECIPE_RESULTS.exists() else {}
    for name in args.models:
        if name != 'default' and name not in recipes:
            sys.exit(f"channels.py: no recipe {name!r} in {RECIPE_RESULTS}: run experiments/recipes.py --recipes {name} first")
        classifier = GenderClassifier.load(None if name == 'default' else f'runs/recipes/{name}/model')
        corpora = ['az', 'ls'] if name == 'default' else recipes[name]['corpora']
        entry = {}
        for test, table in test_sets(args, classifier.config, corpora).items():
            entry[test] = {}
            for channel in args.channels:
                if channel.startswith('words') and test == 'az': continue  # its clips are words already
                if channel == 'clean': labelled = table
                else:
                    copy = word_copies if channel.startswith('words') else channel_copy
                    with ThreadPoolExecutor(os.cpu_count()) as pool:  # ffmpeg and scipy work outside the GIL
                        labelled = table.assign(path=list(pool.map(copy, table.path, [channel]*len(table)))).explode('path')
                results = evaluate_files(labelled.assign(path=labelled.path.astype(str)), classifier, progress=False)
                m = classification_metrics(results.gender, results.p_female)
                entry[test][channel] = {k: m[k] for k in ('n', 'balanced_accuracy', 'female_recall', 'male_recall', 'roc_auc')}
                print(f"{name} {test} {channel}: balanced accuracy {m['balanced_accuracy']:.4f} (n={m['n']})", flush=True)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        for test, scores in entry.items(): results.setdefault(name, {}).setdefault(test, {}).update(scores)
        tmp = RESULTS.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(RESULTS)


if __name__ == '__main__':
    main()
