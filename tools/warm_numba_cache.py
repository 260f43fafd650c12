"""Compile librosa's cached numba functions once, in one process.

librosa keeps them on disk (numba `cache=True`, in its `__pycache__`). In a fresh environment, nbdev-test's parallel
workers compile and write the same cache files at once, and a worker that then loads a half-written one dies with a
segmentation fault (`BrokenProcessPool`; seen on CI in `11_evaluate`). CI runs this before the tests."""
import numpy as np, librosa

y = np.random.default_rng(0).standard_normal(16000).astype('float32')
librosa.yin(y, fmin=60, fmax=400, sr=16000); librosa.pyin(y, fmin=60, fmax=400, sr=16000)
librosa.zero_crossings(y); librosa.feature.zero_crossing_rate(y)
librosa.util.peak_pick(y, pre_max=3, post_max=3, pre_avg=3, post_avg=3, delta=0.1, wait=1); librosa.util.localmax(y); librosa.util.localmin(y)
S = librosa.stft(y); librosa.istft(S); librosa.magphase(S); librosa.util.abs2(S); librosa.util.phasor(np.angle(S))
librosa.filters.window_sumsquare(window='hann', n_frames=10)
print('librosa numba cache warm')
