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
    recall = {g: sum((f['p_female'] >= 0.5) == (g == 'female') for f in files if f['gender'] == g)/3 for g in ('female', 'male')}
    assert metrics['balanced_accuracy'] == pytest.approx((recall['female'] + recall['male'])/2)
    if model.name == 'default': assert metrics['balanced_accuracy'] >= 0.8  # held-out readers: all right but at most one


def test_a_missing_file_is_reported_and_the_rest_scored(model, tmp_path):
    for row in csv.DictReader(open(LABELS)): shutil.copy(ROOT/'my_wavs'/row['path'], tmp_path)
    rows = list(csv.DictReader(open(LABELS)))
    with open(tmp_path/'labels.csv', 'w', newline='') as f:
        writer = csv.writer(f); writer.writerow(['file', 'gender'])
        for r in rows: writer.writerow([r['path'], r['gender'].upper()])  # `file` column, messy case
        writer.writerow(['gone.wav', 'female'])
    res = run('genderaudio-evaluate', tmp_path/'labels.csv', '--model', model, '--quiet', '--json-out', tmp_path/'r.json')
    assert res.returncode == 1, res.stderr  # a file failed: the same exit status as genderaudio-predict
    assert 'gone.wav' in res.stderr and 'no such file' in res.stderr
    report = json.loads((tmp_path/'r.json').read_text())
    assert report['metrics']['n'] == 7 and report['metrics']['unanswered'] == 1


def test_bad_labels_file_gives_one_clear_line(model, tmp_path):
    (tmp_path/'bad.csv').write_text('name,sex\na.wav,male\n')
    res = run('genderaudio-evaluate', tmp_path/'bad.csv', '--model', model)
    assert res.returncode != 0
    assert 'lacks the column(s) gender, file (or path)' in res.stderr
    assert 'Traceback' not in res.stderr


def test_a_folder_is_read_through_its_labels_csv_or_refused(model, tmp_path):
    res = run('genderaudio-evaluate', ROOT/'my_wavs', '--model', model, '--quiet')
    assert res.returncode == 0 and 'per speaker (6' in res.stdout, res.stderr
    res = run('genderaudio-evaluate', tmp_path, '--model', model)
    assert res.returncode == 1 and 'is a folder without labels.csv' in res.stderr and 'Traceback' not in res.stderr


def test_paths_relative_to_the_working_folder_and_nothing_found(model, tmp_path):
    rows = list(csv.DictReader(open(LABELS)))
    (tmp_path/'labels.csv').write_text('path,gender\n' + ''.join(f"my_wavs/{r['path']},{r['gender']}\n" for r in rows))
    res = run('genderaudio-evaluate', tmp_path/'labels.csv', '--model', model, '--quiet', cwd=ROOT)  # paths from where it runs
    assert res.returncode == 0 and 'n                  6' in res.stdout, res.stderr
    res = run('genderaudio-evaluate', tmp_path/'labels.csv', '--model', model, '--quiet', cwd=tmp_path)  # found nowhere
    assert res.returncode == 1 and res.stderr.count('\n') == 1 and 'none of the 6 files could be classified' in res.stderr, res.stderr


def test_speakers_heard_in_training_are_flagged(tmp_path):
    model = make_model(tmp_path/'model')
    config = json.loads((model/'config.json').read_text())
    config['training_speakers'] = ['librispeech_train100/27', 'librispeech_train100/2007']
    (model/'config.json').write_text(json.dumps(config))
    res = run('genderaudio-evaluate', LABELS, '--model', model, '--quiet')
    assert res.returncode == 0, res.stderr
    assert "2 of 6 speakers (2 files) were in the model's training set" in res.stderr
    assert 'without the speakers the model was trained on: balanced accuracy without them' in res.stdout and 'on 4 files' in res.stdout


def test_a_closed_pipe_is_not_a_traceback(model, tmp_path):
    "`| head` closes the pipe while the per-speaker table (here 1,800 rows, far more than a pipe holds) is printed."
    import subprocess
    from _inference_helpers import command
    rows = list(csv.DictReader(open(LABELS)))
    (tmp_path/'labels.csv').write_text('path,gender,speaker\n' + ''.join(
        f"{ROOT/'my_wavs'/r['path']},{r['gender']},reader_{i}_{r['speaker']}\n" for i in range(300) for r in rows))
    cmd = ' '.join(f"'{c}'" for c in [*command('genderaudio-evaluate'), tmp_path/'labels.csv', '--model', model, '--quiet'])
    res = subprocess.run(f"{cmd} | head -1", shell=True, capture_output=True, text=True, timeout=300)
    assert res.stdout.startswith('n ') and 'Traceback' not in res.stderr and 'BrokenPipe' not in res.stderr, res.stderr
