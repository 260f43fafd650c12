"""Shared helpers of the process-level tests of `genderaudio-predict`, `genderaudio-segment` and `genderaudio-record`:
a model with random weights (so the tests never depend on training), a corpus of bad inputs built at test time,
and running the commands as a user would."""
from __future__ import annotations
import os, shutil, subprocess, sys
from pathlib import Path
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT/'my_wavs'/'27-123349-0000.wav'  # 4 s of read speech (male), committed with the project


def make_model(directory)->Path:
    "A model with random weights, the shipped architecture and log-mel features: the pipeline runs, verdicts are noise."
    import torch
    from genderaudio.model import build_network, save_model, DEFAULT_ARCHITECTURE
    from genderaudio.features import LOGMEL, fit_image_scale, clip_features
    from genderaudio.audio import synthetic_voice
    torch.manual_seed(0)
    scale = fit_image_scale([clip_features(synthetic_voice(f0, 1., seed=s), LOGMEL) for f0 in (110, 220) for s in range(3)])
    return save_model(build_network(DEFAULT_ARCHITECTURE).eval(), directory, DEFAULT_ARCHITECTURE, LOGMEL, scale, ['female', 'male'])


def speech(sample_rate:int=16000)->np.ndarray:
    "Real speech at `sample_rate` Hz: a bundled example clip (a synthetic voice if it is missing)."
    from genderaudio.audio import load_audio, synthetic_voice
    return load_audio(SPEECH, sample_rate) if SPEECH.exists() else synthetic_voice(120, 4., sample_rate)


def command(name:str)->list:
    "How to run console script `name`: the installed script, else its function through the interpreter."
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found: return [found]
    module, func = {'genderaudio-predict': ('cli', 'genderaudio_predict'), 'genderaudio-segment': ('cli', 'genderaudio_segment'),
                    'genderaudio-record': ('record', 'genderaudio_record'), 'genderaudio-evaluate': ('cli', 'genderaudio_evaluate')}[name]
    return [sys.executable, '-c', f"import sys; from genderaudio.{module} import {func} as f; sys.argv[0] = {name!r}; sys.exit(f())"]


def interruptible():
    """For `Popen(preexec_fn=...)`: Ctrl-C (SIGINT) as a terminal delivers it, even when the test run itself was started in the
    background, where the shell makes children ignore SIGINT (and Python then installs no KeyboardInterrupt handler)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run(name:str, *args, timeout:float=120, env:dict|None=None, **kwargs)->subprocess.CompletedProcess:
    "Run command `name` with `args`; never hangs the test run (a timeout fails the test)."
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*command(name), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=full_env, **kwargs)


# Each entry: file name -> (what `label` must be: a set of labels, or 'error')
BAD_CORPUS = {
    'empty.wav': 'error', 'text.wav': 'error', 'image.wav': 'error', 'header_only.wav': 'error', 'truncated.wav': {'male', 'female'},
    'random.flac': 'error', 'nan.wav': 'error', 'u8.wav': {'male', 'female'}, 'pcm24.wav': {'male', 'female'},
    'float32.wav': {'male', 'female'}, 'stereo.wav': {'male', 'female'}, '8k.wav': {'male', 'female'}, '96k.wav': {'male', 'female'},
    '20ms.wav': {'no speech'}, 'one_sample.wav': {'no speech'}, 'silence.wav': {'no speech'}, 'white_noise.wav': {'no speech'},
    'noise_floor.wav': {'no speech'}, 'dc_offset.wav': {'male', 'female'}, 'clipped.wav': {'male', 'female'},
    'quiet_-40dB.wav': {'male', 'female'}, 'wav_named.mp3': {'male', 'female'}, 'naïve spéech – ü.wav': {'male', 'female'},
    'dir.wav': 'error', 'missing.wav': 'error',
}


def bad_corpus(folder)->dict:
    "Write the bad-input corpus into `folder` (nothing is committed: it is built at test time); returns `BAD_CORPUS`."
    from genderaudio.audio import resample
    d = Path(folder); d.mkdir(parents=True, exist_ok=True)
    voice, sample_rate = speech(), 16000
    rng = np.random.default_rng(0)
    (d/'empty.wav').write_bytes(b'')
    (d/'text.wav').write_text("this is not audio\n"*20)
    (d/'image.wav').write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(rng.integers(0, 256, 2000, dtype=np.uint8)))
    sf.write(d/'header_only.wav', np.zeros(0, np.float32), sample_rate, subtype='PCM_16')
    sf.write(d/'full.tmp', voice, sample_rate, format='WAV', subtype='PCM_16')
    (d/'truncated.wav').write_bytes((d/'full.tmp').read_bytes()[:44 + 2*len(voice)//2 + 1]); (d/'full.tmp').unlink()
    (d/'random.flac').write_bytes(bytes(rng.integers(0, 256, 5000, dtype=np.uint8)))
    broken = voice.copy(); broken[100], broken[2000] = np.nan, np.inf
    sf.write(d/'nan.wav', broken, sample_rate, subtype='FLOAT')
    sf.write(d/'u8.wav', voice, sample_rate, subtype='PCM_U8')
    sf.write(d/'pcm24.wav', voice, sample_rate, subtype='PCM_24')
    sf.write(d/'float32.wav', voice, sample_rate, subtype='FLOAT')
    sf.write(d/'stereo.wav', np.stack([voice, 0.5*voice], axis=1), sample_rate, subtype='PCM_16')
    sf.write(d/'8k.wav', resample(voice, sample_rate, 8000), 8000, subtype='PCM_16')
    sf.write(d/'96k.wav', resample(voice, sample_rate, 96000), 96000, subtype='PCM_16')
    sf.write(d/'20ms.wav', voice[sample_rate:sample_rate + sample_rate//50], sample_rate, subtype='PCM_16')
    sf.write(d/'one_sample.wav', voice[sample_rate:sample_rate + 1], sample_rate, subtype='PCM_16')
    sf.write(d/'silence.wav', np.zeros(3*sample_rate, np.float32), sample_rate, subtype='PCM_16')
    sf.write(d/'white_noise.wav', 0.3*rng.standard_normal(3*sample_rate), sample_rate, subtype='PCM_16')
    sf.write(d/'noise_floor.wav', 3e-4*rng.standard_normal(3*sample_rate), sample_rate, subtype='PCM_16')
    sf.write(d/'dc_offset.wav', 0.5*voice + 0.4, sample_rate, subtype='PCM_16')
    sf.write(d/'clipped.wav', np.clip(8*voice, -0.5, 0.5), sample_rate, subtype='PCM_16')
    sf.write(d/'quiet_-40dB.wav', 0.01*voice, sample_rate, subtype='PCM_16')
    sf.write(d/'wav_named.mp3', voice, sample_rate, format='WAV', subtype='PCM_16')
    sf.write(d/'naïve spéech – ü.wav', voice, sample_rate, subtype='PCM_16')
    (d/'dir.wav').mkdir(exist_ok=True)
    return BAD_CORPUS


def write_clips(folder, n:int, seconds:float=1.)->list:
    "`n` short speech clips `clip-00000.wav`... (cut from the example speech) in `folder`; returns their paths in order."
    d = Path(folder); d.mkdir(parents=True, exist_ok=True)
    voice, sample_rate, length = speech(), 16000, int(seconds*16000)
    starts = np.linspace(0, len(voice) - length, 7).astype(int)
    paths = []
    for i in range(n):
        p = d/f"clip-{i:05d}.wav"
        sf.write(p, voice[starts[i % 7]:starts[i % 7] + length], sample_rate, subtype='PCM_16'); paths.append(p)
    return paths
