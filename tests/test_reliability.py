"""Bad inputs (issue 5): every file of a corpus of broken, odd and edge-case recordings, built here at test time,
gives a valid result (male/female for speech, `no speech` for silence, noise or too little voice) or one line
naming the file and the reason; never a traceback or a hang, and the batch goes on. Through the API and the CLI."""
import csv, io, json
import numpy as np
import pytest
from _inference_helpers import make_model, bad_corpus, run


@pytest.fixture(scope='module')
def model(tmp_path_factory): return make_model(tmp_path_factory.mktemp('model')/'random')


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp('bad')
    return folder, bad_corpus(folder)


def _check(name, expected, label, error, path):
    if expected == 'error':
        assert label == 'error', (name, label)
        assert error.startswith(f"{path}: ") and '\n' not in error and 'Traceback' not in error, (name, error)
    else:
        assert label in expected and error == '', (name, label, error)


def test_api_on_bad_corpus(model, corpus):
    from genderaudio.inference import GenderClassifier
    folder, expected = corpus
    clf = GenderClassifier(model)
    paths = [folder/name for name in expected]
    for workers in (0, 2):
        results = clf.predict_many(paths, workers=workers, batch_size=4)
        assert [r.path for r in results] == list(map(str, paths))
        for (name, exp), r in zip(expected.items(), results): _check(name, exp, r.label, r.error, r.path)
    from genderaudio.core import AudioError
    for (name, exp), path in zip(expected.items(), paths):  # one at a time too: an unusable file raises the batch's error line
        try: r = clf.predict(path)
        except AudioError as e: _check(name, exp, 'error', str(e), str(path)); continue
        _check(name, exp, r.label, r.error, r.path)
        if r.label in ('male', 'female'): assert 0 <= r.p_female <= 1 and r.speech_seconds > 1
        else: assert np.isnan(r.p_female)


def test_cli_on_bad_corpus(model, corpus):
    "Every file named on the command line gets its row, in order; a directory named `dir.wav` is a folder without audio."
    folder, expected = corpus
    files = {name: exp for name, exp in expected.items() if name != 'dir.wav'}
    paths = [folder/name for name in expected]
    res = run('genderaudio-predict', *paths, '--format', 'csv', '--model', model, timeout=180)
    assert res.returncode == 1  # some files failed; the others were classified
    assert 'Traceback' not in res.stderr
    assert f"{folder/'dir.wav'}: no audio files" in res.stderr
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == ['path', 'label', 'kind', 'p_female', 'speech_seconds', 'error']
    assert [r[0] for r in rows[1:]] == [str(folder/name) for name in files]
    for (name, exp), r in zip(files.items(), rows[1:]): _check(name, exp, r[1], r[5], r[0])


def test_cli_folder_skips_non_audio_and_directories(model, corpus):
    "A folder expands to its audio files (by extension): `dir.wav`, a directory, is skipped; --recursive looks inside it."
    folder, expected = corpus
    res = run('genderaudio-predict', folder, '--format', 'json', '--model', model, timeout=180)
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    names = [r['path'].rsplit('/', 1)[-1] for r in rows]
    assert names == sorted(n for n in expected if n not in ('dir.wav', 'missing.wav'))
    assert res.returncode == 1


def test_segment_on_bad_inputs(model, corpus):
    "`segment`: a timeline covering the file, or an `AudioError` with one line naming the file; the command likewise."
    from genderaudio.inference import GenderClassifier
    from genderaudio.core import AudioError
    folder, expected = corpus
    clf = GenderClassifier(model)
    for name, exp in expected.items():
        if exp == 'error':
            with pytest.raises(AudioError) as e: clf.segment(folder/name)
            assert str(e.value).startswith(f"{folder/name}: ") and '\n' not in str(e.value)
            continue
        timeline = clf.segment(folder/name)
        assert timeline[0].start == 0 and all(a.end == b.start for a, b in zip(timeline, timeline[1:])), (name, timeline)
        labels = {s.label for s in timeline}
        assert labels == {'no speech'} if exp == {'no speech'} else labels & {'male', 'female'}, (name, timeline)
    res = run('genderaudio-segment', folder/'nan.wav', '--model', model)
    assert res.returncode == 1 and res.stderr == f"genderaudio-segment: {folder/'nan.wav'}: contains NaN or infinite samples\n"
