"""Generated clustered unit vectors with planted near-duplicates (tests and benchmarks).

``n_topics`` random unit centres; each original row is ``normalise(centre + spread * z)`` with
``z ~ N(0, I/d)``, so rows of one topic have cosine ~ 1 / (1 + spread^2) (0.61 at 0.8) and
rows of different topics ~ 0. A ``dup_fraction`` of rows are near-duplicates: an earlier row
plus noise of scale uniform in ``dup_noise``, cosine ~ 1 / sqrt(1 + b^2) (0.99 .. 0.89 for
0.1 .. 0.5), so some planted pairs fall just below a 0.9 threshold, as real ones do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def planted_vectors(n: int, dim: int = 384, *, n_topics: int | None = None,
                    spread: float = 0.8, dup_fraction: float = 0.05,
                    dup_noise: tuple[float, float] = (0.1, 0.5), seed: int = 0,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(vectors float32 [n, dim] unit rows, group int64 [n])``; duplicates share a group."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n_topics = n_topics or max(1, n // 200)
    centres = rng.standard_normal((n_topics, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    n_dups = int(n * dup_fraction)
    n_orig = n - n_dups
    x = np.empty((n, dim), dtype=np.float32)
    chunk = 65536
    for s in range(0, n_orig, chunk):
        e = min(n_orig, s + chunk)
        topic = rng.integers(0, n_topics, e - s)
        z = rng.standard_normal((e - s, dim), dtype=np.float32) / np.sqrt(dim)
        x[s:e] = centres[topic] + spread * z
    group = np.arange(n, dtype=np.int64)
    source = rng.integers(0, n_orig, n_dups)
    group[n_orig:] = source
    for s in range(n_orig, n, chunk):
        e = min(n, s + chunk)
        b = rng.uniform(*dup_noise, e - s).astype(np.float32)[:, None]
        z = rng.standard_normal((e - s, dim), dtype=np.float32) / np.sqrt(dim)
        base = x[source[s - n_orig:e - n_orig]]
        base = base / np.linalg.norm(base, axis=1, keepdims=True)
        x[s:e] = base + b * z
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, group
