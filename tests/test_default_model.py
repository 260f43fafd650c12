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


def test_api_says_male_and_female_correctly():
    from genderaudio.inference import GenderClassifier
    labels = _labels()
    clf = GenderClassifier()
    results = clf.predict_many([ROOT/'my_wavs'/name for name in labels])
    wrong = [(r.path, r.label, round(r.p_female, 3)) for r, truth in zip(results, labels.values()) if r.label != truth]
    assert not wrong, wrong


def test_cli_on_my_wavs_as_in_the_readme():
    "`genderaudio-predict my_wavs`, the README's first command, classifies every example correctly and exits 0."
    res = run('genderaudio-predict', 'my_wavs', '--format', 'csv', cwd=ROOT)
    assert res.returncode == 0, res.stderr
    rows = {r['path'].split('/')[-1]: r for r in csv.DictReader(io.StringIO(res.stdout))}
    for name, truth in _labels().items(): assert rows[name]['label'] == truth, (name, rows[name])


def test_segment_a_conversation_of_two_readers(tmp_path):
    "A female and a male reader one after the other (2 s apart): two speech segments with the right labels."
    import numpy as np, soundfile as sf
    from genderaudio.features import load_audio
    labels = _labels()
    female = next(n for n, g in labels.items() if g == 'female'); male = next(n for n, g in labels.items() if g == 'male')
    audio = np.concatenate([load_audio(ROOT/'my_wavs'/female), np.zeros(32000, np.float32), load_audio(ROOT/'my_wavs'/male)])
    sf.write(tmp_path/'two.wav', audio, 16000)
    res = run('genderaudio-segment', tmp_path/'two.wav', '--format', 'csv')
    assert res.returncode == 0, res.stderr
    speech = [r for r in csv.DictReader(io.StringIO(res.stdout)) if r['label'] != 'no speech']
    assert speech[0]['label'] == 'female' and speech[-1]['label'] == 'male'
    assert float(speech[0]['start']) < 1 and float(speech[-1]['end']) > 9
