"""README.md's Python blocks run as a user pastes them: in a fresh interpreter, in the repository's root."""
import re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def python_blocks(text:str)->list:
    "The ```python blocks of a Markdown text."
    return re.findall(r'```python\n(.*?)```', text, flags=re.S)

def test_readme_python_blocks_run():
    blocks = python_blocks((ROOT/'README.md').read_text())
    assert blocks, "README.md has no Python block"
    for block in blocks:
        res = subprocess.run([sys.executable, '-c', block], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, f"README block failed:\n{block}\n{res.stderr[-2000:]}"
        assert 'female' in res.stdout and 'male' in res.stdout, res.stdout

def test_package_exports_the_classifier():
    res = subprocess.run([sys.executable, '-c', "import sys; import genderaudio; assert 'genderaudio.inference' not in sys.modules; "
                          "from genderaudio import GenderClassifier; print(GenderClassifier.__name__)"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == 'GenderClassifier', res.stderr
