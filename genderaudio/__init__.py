__version__ = "0.1.0"

import os as _os
# OpenMP threads that spin while waiting make PyTorch several times slower when the CPU is shared with other work
# (measured: 5.6 s against 0.45 s per training batch on a busy 2-core machine). Let idle threads sleep instead,
# unless the user chose otherwise. This must happen before torch is imported.
_os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

_INFERENCE = ('GenderClassifier', 'Prediction', 'Segment')

def __getattr__(name):
    "`from genderaudio import GenderClassifier`: the classifier, imported on first use so that `import genderaudio` stays cheap."
    if name in _INFERENCE:
        from . import inference
        return getattr(inference, name)
    raise AttributeError(f"module 'genderaudio' has no attribute {name!r}")
