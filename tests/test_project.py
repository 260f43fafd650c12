"""Process-level smoke tests of the project itself: the package imports, README.md is generated from
nbs/index.ipynb and says how to install and test, and the offline README and docs tools do what they claim."""
import json, os, re, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
import make_readme, check_docs

def _run(*args, **kw):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600, **kw)

def test_package_imports():
    res = _run('-c', 'import genderaudio; print(genderaudio.__version__)')
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip()

def test_every_generated_module_imports():
    "Each module nbdev exported imports in a fresh interpreter (catches a broken export early)."
    mods = sorted(p.stem for p in (ROOT/'genderaudio').glob('*.py') if not p.stem.startswith('_'))
    code = ';'.join(f'import genderaudio.{m}' for m in mods) or 'import genderaudio'
    res = _run('-c', code)
    assert res.returncode == 0, res.stderr[-3000:]

def test_inference_imports_without_portaudio():
    "Classifying files must not need PortAudio: `genderaudio.inference` imports with `sounddevice` unimportable."
    if not (ROOT/'genderaudio'/'inference.py').exists(): pytest.skip("genderaudio/inference.py does not exist yet")
    res = _run('-c', "import sys; sys.modules['sounddevice'] = None; import genderaudio.inference")
    assert res.returncode == 0, res.stderr[-3000:]

def test_inference_runs_on_the_plain_install():
    "The plain install has no PyTorch, fastai, pandas or librosa: classifying (and `genderaudio-predict`) must not import them."
    code = ("import sys\nfor m in ('torch', 'fastai', 'pandas', 'librosa', 'sklearn', 'matplotlib', 'PIL', 'sounddevice'): sys.modules[m] = None\n"
            "from genderaudio.cli import genderaudio_predict, genderaudio_segment\nfrom genderaudio.inference import GenderClassifier\n"
            "print(GenderClassifier().backend, GenderClassifier().predict('my_wavs/27-123349-0000.wav').label)")
    res = _run('-c', code)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.split() == ['onnxruntime', 'male'], res.stdout

def test_plain_install_needs_no_training_packages():
    "pyproject's dependencies are what inference needs; PyTorch, fastai and the rest come with the [train] extra."
    import tomllib
    project = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']
    plain = {re.split(r'[<>=\[ ]', d)[0].lower() for d in project['dependencies']}
    assert not plain & {'torch', 'fastai', 'pandas', 'librosa', 'scikit-learn', 'matplotlib', 'sounddevice'}, plain
    train = {re.split(r'[<>=\[ ]', d)[0].lower() for d in project['optional-dependencies']['train']}
    assert {'torch', 'fastai', 'pandas', 'librosa'} <= train
    assert 'sounddevice' in project['optional-dependencies']['mic'][0]

def test_readme_is_generated_from_index_notebook():
    res = _run('tools/make_readme.py', '--check')
    assert res.returncode == 0, res.stderr

def test_readme_starts_with_install_and_test_commands():
    "The two commands CI runs are the first code block of README.md, right under the title and summary."
    text = (ROOT/'README.md').read_text()
    install, test = make_readme.readme_commands(text)
    assert text.index('```bash') < text.index('\n## ')
    assert 'python3 -m venv .venv' in install and 'pip install .' in install and install.endswith('genderaudio-predict my_wavs')
    assert "pip install -e '.[dev]'" in test and test.endswith('nbdev-test && pytest')
    res = subprocess.run([sys.executable, 'tools/make_readme.py', '--commands'], cwd=ROOT, capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k != 'PYTHONPATH'})
    assert res.stdout.splitlines() == [install, test]

def _nb(cells):
    return {'cells': [dict(c, metadata={}, **({'outputs': c.get('outputs', []), 'execution_count': None} if c['cell_type'] == 'code' else {}))
                      for c in cells],
            'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
            'nbformat': 4, 'nbformat_minor': 5}

def test_make_readme_renders_like_nbdev(tmp_path):
    nb = tmp_path/'index.ipynb'
    nb.write_text(json.dumps(_nb([
        {'cell_type': 'markdown', 'source': '# Demo\n\n> One line.'},
        {'cell_type': 'markdown', 'source': 'See [features](03_features.ipynb).'},
        {'cell_type': 'code', 'source': '#| hide\nsecret = 1'},
        {'cell_type': 'code', 'source': '#| export\ndef f(): pass'},
        {'cell_type': 'code', 'source': '#| notest\nprint("hi")\n1+1',
         'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': 'hi\n'},
                     {'output_type': 'execute_result', 'data': {'text/plain': '2'}, 'metadata': {}, 'execution_count': 1}]},
        {'cell_type': 'code', 'source': '#| echo: false\nshow()',
         'outputs': [{'output_type': 'display_data', 'data': {'text/markdown': '**shown**', 'text/plain': 'x'}, 'metadata': {}}]},
    ])))
    md = make_readme.render(nb)
    assert md.startswith('# Demo\n\n<!-- WARNING')
    assert '> One line.' in md
    assert 'secret' not in md and 'def f' not in md and '#|' not in md and 'show()' not in md
    assert '``` python\nprint("hi")\n1+1\n```' in md and '```\nhi\n```' in md and '```\n2\n```' in md
    assert '**shown**' in md
    assert 'https://genderaudio.github.io/genderaudio/features.html' in md  # notebook links go to the hosted docs

def test_docs_checker_finds_broken_links_and_missing_api(tmp_path):
    from nbdev.config import get_config
    cfg = get_config(ROOT)
    (tmp_path/'index.html').write_text('<nav id="sidebar"><a href="index.html">home</a></nav>'
                                       '<a href="missing.html">x</a><a href="#nowhere">y</a><img src="gone.png">'
                                       '<a href="https://example.com/">ok</a><a href="index.html#top">z</a><h1 id="top">t</h1>')
    problems, _ = check_docs.check_site(tmp_path, cfg)
    text = '\n'.join(problems)
    assert 'missing.html does not exist' in text and 'gone.png does not exist' in text
    assert '#nowhere' in text and 'example.com' not in text and '#top' not in text
    nbs = [p for p in (ROOT/'nbs').glob('*.ipynb') if p.name != 'index.ipynb']
    if nbs: assert 'has no page' in text
    if check_docs.public_api(cfg): assert 'its page' in text  # module pages are missing from this fake site

def _notebooks():
    return {p.name: json.loads(p.read_text()) for p in sorted((ROOT/'nbs').glob('*.ipynb'))}

def test_api_pages_open_with_an_executed_example():
    "Each module's page shows how it is used, with the output, before any of its code: its first code cell is an example that ran."
    for name, nb in _notebooks().items():
        code = [c for c in nb['cells'] if c['cell_type'] == 'code']
        if not code or not ''.join(code[0]['source']).startswith('#| default_exp'): continue
        first = code[1]
        assert not ''.join(first['source']).lstrip().startswith('#|'), f"{name}: the first code cell is not a plain example"
        assert first.get('outputs'), f"{name}: the usage example has no stored output"
        assert not any(o['output_type'] == 'error' for o in first['outputs']), f"{name}: the usage example stored an error"

def test_notebook_figures_are_legible():
    "No notebook draws its figures below 100 dpi (90_eda's 64 dpi plots had 9-pixel text)."
    for name, nb in _notebooks().items():
        source = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code')
        for dpi in re.findall(r"dpi['\"]?\s*[:=]\s*(\d+)", source): assert int(dpi) >= 100, f"{name}: dpi {dpi}"
