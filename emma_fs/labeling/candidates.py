"""Candidate selection for a labeling page: pure numpy over row numbers, no I/O.

``exclude`` is a boolean mask of rows that must not be shown (already answered). Every
function returns at most ``k`` row numbers in display order.
"""

from __future__ import annotations

import numpy as np


def uncertain(proba: np.ndarray, exclude: np.ndarray, k: int) -> np.ndarray:
    """Uncertainty sampling: the rows whose probability is closest to 0.5."""
    dist = np.abs(proba.astype(np.float32, copy=False) - np.float32(0.5))
    dist[exclude] = np.inf
    k = min(k, int((~exclude).sum()))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    top = np.argpartition(dist, k - 1)[:k]
    return top[np.argsort(dist[top], kind="stable")].astype(np.int64)


def in_range(proba: np.ndarray, lo: float, hi: float, exclude: np.ndarray, k: int,
             rng: np.random.Generator) -> np.ndarray:
    """Correction mode: random rows whose probability lies in ``[lo, hi]``."""
    pool = np.flatnonzero((proba >= lo) & (proba <= hi) & ~exclude)
    return rng.permutation(pool)[:k].astype(np.int64)


def ordered_unanswered(order: np.ndarray, exclude: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` rows of a fixed order that are not excluded (word search paging)."""
    keep = order[~exclude[order]]
    return keep[:k].astype(np.int64)


def random_rows(exclude: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Uniformly random unexcluded rows (the random-sampling baseline)."""
    pool = np.flatnonzero(~exclude)
    if len(pool) <= k:
        return rng.permutation(pool).astype(np.int64)
    return rng.choice(pool, size=k, replace=False).astype(np.int64)


def likely_mislabeled(oof_proba: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Review mode: order of labeled items by how likely they are mislabeled (descending
    ``|label - out-of-fold probability|``)."""
    score = np.abs(np.asarray(y, dtype=np.float64) - oof_proba)
    return np.argsort(-score, kind="stable")
