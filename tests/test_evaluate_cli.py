"""`genderaudio-evaluate` on a tiny labelled fixture: the bundled `my_wavs/` clips and their labels, scored with a
model (the shipped one when present, else one with random weights: the metrics must be consistent either way)."""
import csv, json, shutil
import pytest
from _inference_helpers import ROOT, make_model, run

LABELS = ROOT/'my_wavs'/'labels.csv'


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    shipped = ROOT/'genderaudio'/'models'/'default'
    return shipped if (shipped/'config.json').exists() else make_model(tmp_path_factory.mktemp('model'))


def test_metrics_json_agrees_with_the_per_file_verdicts(model, tmp_path):
    out = tmp_path/'report.json'
    res = run('genderaudio-evaluate', LABELS, '--model', model, '--json-out', out, '--quiet')
    assert res.returncode == 0, res.stderr
    assert 'balanced_accuracy' in res.stdout and 'per speaker (6' in res.stdout
    report = json.loads(out.read_text())
    files, metrics = report['files'], report['metrics']
    assert metrics['n'] == 6 and len(files) == 6 and len(report['speakers']) == 6
    recall = {g: sum((f['p_female'] > 0.5) == (g == 'female') for f in files if f['gender'] == g)/3 for g in ('female', 'male')}
    assert metrics['balanced_accuracy'] == pytest.approx((recall['female'] + recall['male'])/2)
    if model.name == 'default': assert metrics['balanced_accuracy'] == 1.0  # held-out readers, all right


def test_a_missing_file_is_reported_and_the_rest_scored(model, tmp_path):
    for row in csv.DictReader(open(LABELS)): shutil.copy(ROOT/'my_wavs'/row['path'], tmp_path)
    rows = list(csv.DictReader(open(LABELS)))
    with open(tmp_path/'labels.csv', 'w', newline='') as f:
        writer = csv.writer(f); writer.writerow(['file', 'gender'])
        for r in rows: writer.writerow([r['path'], r['gender'].upper()])  # `file` column, messy case
        writer.writerow(['gone.wav', 'female'])
    res = run('genderaudio-evaluate', tmp_path/'labels.csv', '--model', model, '--quiet', '--json-out', tmp_path/'r.json')
    assert res.returncode == 0, res.stderr
    assert 'gone.wav' in res.stderr and 'no such file' in res.stderr
    report = json.loads((tmp_path/'r.json').read_text())
    assert report['metrics']['n'] == 7 and report['metrics']['unanswered'] == 1


def test_bad_labels_file_gives_one_clear_line(model, tmp_path):
    (tmp_path/'bad.csv').write_text('name,sex\na.wav,male\n')
    res = run('genderaudio-evaluate', tmp_path/'bad.csv', '--model', model)
    assert res.returncode != 0
    assert 'needs a path (or file) column and a gender column' in res.stderr
    assert 'Traceback' not in res.stderr
