"""The shipped model on the bundled example recordings: `my_wavs/labels.csv` names the gender of each clip's
reader (speakers held out of training). Skipped until a model ships in genderaudio/models/default."""
import csv, io
import pytest
from _inference_helpers import ROOT, run

DEFAULT = ROOT/'genderaudio'/'models'/'default'
LABELS = ROOT/'my_wavs'/'labels.csv'
pytestmark = pytest.mark.skipif(not (DEFAULT/'config.json').exists(), reason="no model has shipped yet in genderaudio/models/default")


def _labels()->dict:
    with open(LABELS) as f: return {r['path']: r['gender'] for r in csv.DictReader(f)}


# The six readers of my_wavs were never trained on. Across corpora the shipped recipe is right on about 96 % of clips
# (leave-one-corpus-out; LibriSpeech, these readers' corpus, 0.93), so one of six may be wrong: 2691, a woman whose
# voice sits in the male pitch range, is called male (p_female 0.17) by the model trained on fourteen corpora.
MOST = 5

def test_api_says_male_and_female_correctly():
    from genderaudio.inference import GenderClassifier
    labels = _labels()
    clf = GenderClassifier()
    results = clf.predict_many([ROOT/'my_wavs'/name for name in labels])
    wrong = [(r.path, r.label, round(r.p_female, 3)) for r, truth in zip(results, labels.values()) if r.label != truth]
    assert len(labels) - len(wrong) >= MOST, wrong
    assert {r.label for r in results} == {'female', 'male'}


def test_cli_on_my_wavs_as_in_the_readme():
    "`genderaudio-predict my_wavs`, the README's first command, classifies the examples (all but at most one right) and exits 0."
    res = run('genderaudio-predict', 'my_wavs', '--format', 'csv', cwd=ROOT)
    assert res.returncode == 0, res.stderr
    rows = {r['path'].split('/')[-1]: r for r in csv.DictReader(io.StringIO(res.stdout))}
    right = [name for name, truth in _labels().items() if rows[name]['label'] == truth]
    assert len(right) >= MOST, rows


def test_segment_a_conversation_of_two_readers(tmp_path):
    "A female and a male reader one after the other (2 s apart): two speech segments with the right labels."
    import numpy as np, soundfile as sf
    from genderaudio.audio import load_audio
    from genderaudio.inference import GenderClassifier
    labels = _labels()
    p = {r.path.split('/')[-1]: r.p_female for r in GenderClassifier().predict_many([ROOT/'my_wavs'/n for n in labels])}
    # the clearest reader of each gender: a reader the model is unsure of (2691) sounds male in places
    female = max((n for n, g in labels.items() if g == 'female'), key=p.get)
    male = min((n for n, g in labels.items() if g == 'male'), key=p.get)
    audio = np.concatenate([load_audio(ROOT/'my_wavs'/female), np.zeros(32000, np.float32), load_audio(ROOT/'my_wavs'/male)])
    sf.write(tmp_path/'two.wav', audio, 16000)
    res = run('genderaudio-segment', tmp_path/'two.wav', '--format', 'csv')
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert float(rows[0]['start']) == 0 and abs(float(rows[-1]['end']) - 10) < 0.05
    def majority(lo, hi):  # the label covering most of [lo, hi) seconds
        cover = {}
        for r in rows:
            overlap = min(hi, float(r['end'])) - max(lo, float(r['start']))
            if overlap > 0 and r['label'] != 'no speech': cover[r['label']] = cover.get(r['label'], 0) + overlap
        return max(cover, key=cover.get)
    assert (majority(0, 4), majority(6, 10)) == ('female', 'male'), rows
    # the two readers without the pause: one turn after the other, both found; a change costing more than any evidence
    # (--switch-penalty, for recordings of long turns) leaves one gender throughout
    def speech_only(name):  # the reader's speech without the silence before, between and after
        audio = load_audio(ROOT/'my_wavs'/name)
        spoken = [s for s in GenderClassifier().segment(audio, 16000) if s.label != 'no speech']
        return np.concatenate([audio[int(s.start*16000):int(s.end*16000)] for s in spoken])
    sf.write(tmp_path/'turns.wav', np.concatenate([speech_only(female), speech_only(male)]), 16000)
    spoken = lambda *options: [r['label'] for r in csv.DictReader(io.StringIO(run('genderaudio-segment', tmp_path/'turns.wav', '--format', 'csv', *options).stdout))
                               if r['label'] != 'no speech']
    assert spoken() == ['female', 'male'] and len(spoken('--switch-penalty', '1000')) == 1, (spoken(), spoken('--switch-penalty', '1000'))
    assert all(r['label'] == 'no speech' for r in rows if float(r['start']) >= 4.3 and float(r['end']) <= 5.7)  # the pause


DETECTOR = ROOT/'genderaudio'/'models'/'detector'


@pytest.mark.skipif(not (DETECTOR/'config.json').exists(), reason="no detector has shipped yet in genderaudio/models/detector")
def test_tones_music_and_noise_get_no_gender(tmp_path):
    "What the shipped model used to gender (a 220 Hz square wave 'female 0.999', a 120 Hz sawtooth, a plucked melody, hums, noise): no gender, and a kind."
    import numpy as np, soundfile as sf
    from genderaudio.inference import GenderClassifier
    from genderaudio.augment import _note, synthetic_music, synthetic_noise
    sample_rate, rng = 16000, np.random.default_rng(7)
    t = np.arange(3*sample_rate)/sample_rate
    sounds = {'square_220': 0.3*np.sign(np.sin(2*np.pi*220*t)), 'sawtooth_120': 0.3*(2*((120*t) % 1) - 1),
              'pluck_melody': np.concatenate([_note(f, 0.4, sample_rate, rng, 'pluck') for f in (262, 330, 392, 523, 392, 330, 262)]),
              'hum_50': 0.2*sum(np.sin(2*np.pi*50*k*t)/k for k in range(1, 6)), 'sine_440': 0.3*np.sin(2*np.pi*440*t)}
    sounds.update({f'music_{i}': synthetic_music(4., sample_rate, rng) for i in range(10)})
    sounds.update({f'noise_{i}': synthetic_noise(4., sample_rate, rng) for i in range(10)})
    for name, audio in sounds.items(): sf.write(tmp_path/f'{name}.wav', audio.astype(np.float32), sample_rate)
    results = GenderClassifier().predict_many([tmp_path/f'{name}.wav' for name in sounds])
    gendered = [(r.path.split('/')[-1], r.label, round(r.p_female, 3)) for r in results if r.label in ('female', 'male')]
    assert not gendered, gendered
    assert all(r.kind in ('music', 'noise', 'silence') for r in results), [(r.path, r.kind) for r in results]
    speech = GenderClassifier().predict_many(sorted((ROOT/'my_wavs').glob('*.wav')))
    assert all(r.kind == 'speech' and r.label in ('female', 'male') for r in speech), speech  # and speech is still speech
