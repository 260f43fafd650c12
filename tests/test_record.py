"""`python -m genderaudio.record` / `genderaudio-record` end to end without a microphone: a stand-in `sounddevice`
module (a file on PYTHONPATH, found before the real one) that plays a real voice clip as the microphone, one with
no input device, one whose import fails as without PortAudio, and this machine's real PortAudio (no microphone)."""
import os, subprocess, sys, textwrap
from pathlib import Path
import pytest
import soundfile as sf
from _inference_helpers import make_model, speech, command, ROOT

FAKE = '''
import os, numpy as np, soundfile as sf
class PortAudioError(Exception): pass
_calls = [0]
def query_devices(device=None, kind=None):
    if os.environ.get('FAKE_NO_DEVICE'): raise PortAudioError('Error querying device -1')
    return {'name': 'fake microphone', 'max_input_channels': 1, 'default_samplerate': 48000.0}
def rec(frames, samplerate=None, channels=1, dtype='float32', device=None):
    _calls[0] += 1
    if _calls[0] > int(os.environ.get('FAKE_TAKES', '1000')): raise KeyboardInterrupt  # the user presses Ctrl-C
    clip, sample_rate = sf.read(os.environ['FAKE_CLIP'], dtype='float32')
    assert sample_rate == samplerate, (sample_rate, samplerate)
    return np.resize(clip, frames).reshape(-1, 1).repeat(channels, axis=1).astype(dtype)
def wait(): pass
'''


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp('record')
    (d/'fake').mkdir(); (d/'fake'/'sounddevice.py').write_text(FAKE)
    (d/'broken').mkdir(); (d/'broken'/'sounddevice.py').write_text("raise OSError('PortAudio library not found')\n")
    from genderaudio.audio import resample
    sf.write(d/'voice48k.wav', resample(speech()[:3*16000], 16000, 48000), 48000, subtype='FLOAT')
    return d, make_model(d/'model')


def _record(setup, *args, fake='fake', module=True, **env):
    d, model = setup
    environment = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(d/fake), str(ROOT)]), 'FAKE_CLIP': str(d/'voice48k.wav'), **env}
    cmd = [sys.executable, '-m', 'genderaudio.record'] if module else command('genderaudio-record')
    return subprocess.run([*cmd, '--model', model, '--countdown-from', '0', *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=environment, cwd=d)


def test_record_classify_and_save(setup):
    d, _ = setup
    res = _record(setup, '--seconds', '2', '--save', d/'takes')
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == 'Speak now!'
    assert lines[1].split()[0] in ('female', 'male') and 'p_female' in lines[1]
    saved = sorted((d/'takes').glob('recording-*.wav'))
    assert len(saved) == 1 and lines[2] == f"saved {saved[0]}"
    info = sf.info(saved[0])
    assert (info.samplerate, info.frames, info.subtype) == (48000, 96000, 'PCM_16')
    assert not list((d/'takes').glob('.*'))  # no temporary file left


def test_save_defaults_to_my_wavs_and_loop_ends_cleanly_on_ctrl_c(setup):
    d, _ = setup
    res = _record(setup, '--loop', '--save', FAKE_TAKES='3', module=False)
    assert res.returncode == 0, res.stderr  # Ctrl-C ends a loop cleanly
    assert res.stdout.count('Speak now!') == 4 and 'Traceback' not in res.stderr
    assert len(list((d/'my_wavs').glob('recording-*.wav'))) == 3


def test_countdown(setup):
    res = _record(setup, '--countdown-from', '2')
    assert res.stdout.splitlines()[:3] == ['2...', '1...', 'Speak now!']


def test_no_input_device_is_one_line(setup):
    res = _record(setup, FAKE_NO_DEVICE='1')
    assert res.returncode == 1 and res.stdout == ''
    assert len(res.stderr.splitlines()) == 1 and 'no input device' in res.stderr and 'genderaudio-predict FILE' in res.stderr


def test_no_portaudio_is_one_line(setup):
    res = _record(setup, fake='broken')
    assert res.returncode == 1 and res.stdout == ''
    assert len(res.stderr.splitlines()) == 1 and 'PortAudio is not installed' in res.stderr and 'genderaudio-predict FILE' in res.stderr


def test_this_machine_without_microphone(setup):
    "With the real sounddevice: one line whether PortAudio is missing or present without an input device (CI)."
    d, model = setup
    res = subprocess.run([sys.executable, '-m', 'genderaudio.record', '--model', model], capture_output=True, text=True, timeout=120,
                         env={**os.environ, 'PYTHONPATH': str(ROOT)}, cwd=d)
    if res.returncode == 0: pytest.skip("this machine has a microphone")
    assert res.returncode == 1 and len(res.stderr.splitlines()) == 1 and 'genderaudio-predict FILE' in res.stderr, res.stderr


def test_alsa_file_capture_as_microphone(setup, tmp_path):
    "The real sounddevice and PortAudio, recording from an ALSA capture device that reads a file (no microphone needed)."
    alsa = Path('/usr/share/alsa/alsa.conf')
    probe = subprocess.run([sys.executable, '-c', 'import sounddevice'], capture_output=True, timeout=60)
    if probe.returncode or not alsa.exists(): pytest.skip("needs PortAudio (libportaudio2) and ALSA")
    import numpy as np
    from genderaudio.audio import resample
    d, model = setup
    resample(speech()[:3*16000], 16000, 48000).astype('<f4').tofile(tmp_path/'voice.raw')  # the rate and format PortAudio asks for
    (tmp_path/'asound.conf').write_text(f'<{alsa}>\npcm.!default {{\n type file\n slave.pcm "null"\n file "/dev/null"\n'
                                        f' infile "{tmp_path/"voice.raw"}"\n format "raw"\n}}\n')
    res = subprocess.run([sys.executable, '-m', 'genderaudio.record', '--model', model, '--countdown-from', '0', '--samplerate', '48000',
                          '--seconds', '2', '--save', tmp_path/'takes'], capture_output=True, text=True, timeout=120,
                         env={**os.environ, 'ALSA_CONFIG_PATH': str(tmp_path/'asound.conf'), 'PYTHONPATH': str(ROOT)}, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[1].split()[0] in ('female', 'male'), res.stdout
    saved = next((tmp_path/'takes').glob('recording-*.wav'))
    recorded, sample_rate = sf.read(saved, dtype='float32')
    assert sample_rate == 48000 and np.abs(recorded - np.fromfile(tmp_path/'voice.raw', '<f4')[:96000]).max() < 1e-3  # what the 'microphone' heard
