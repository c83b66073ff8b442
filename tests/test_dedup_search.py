"""The clustered pair search against exact brute force on generated clustered vectors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emma_fs.dedup.planted import planted_vectors
from emma_fs.dedup.search import exact_pairs, near_pairs
from emma_fs.errors import ConfigError

torch.set_num_threads(1)


def _brute(x, threshold):
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    sims = x @ x.T
    i, j = np.nonzero(np.triu(sims >= threshold, k=1))
    return set((i * len(x) + j).tolist())


def test_exact_pairs_match_brute_force():
    x, _ = planted_vectors(600, 32, n_topics=3, spread=0.4, seed=3)
    found = exact_pairs(x, 0.85, block=128)
    assert set(found.keys(len(x)).tolist()) == _brute(x, 0.85)
    assert np.all(found.i < found.j) and np.all(found.sim >= 0.85)


def test_clustered_search_recall_against_exact():
    x, group = planted_vectors(12_000, 64, seed=5)
    exact = set(exact_pairs(x, 0.9).keys(len(x)).tolist())
    clustered = near_pairs(x, 0.9, min_rows_for_clustering=1000, probes=3)
    found = set(clustered.keys(len(x)).tolist())
    assert len(exact) > 300
    assert found <= exact  # exact similarities, never a false pair
    assert len(found & exact) / len(exact) >= 0.99
    planted = sum(group[i] == group[j] for i, j in zip(clustered.i, clustered.j, strict=True))
    assert planted / len(clustered) > 0.95


def test_zero_rows_never_match_and_bad_arguments_fail():
    x = np.zeros((5, 8), dtype=np.float32)
    x[0, 0] = x[1, 0] = 1.0
    found = near_pairs(x, 0.99)
    assert list(zip(found.i.tolist(), found.j.tolist(), strict=True)) == [(0, 1)]
    with pytest.raises(ConfigError, match="threshold"):
        near_pairs(x, 1.5)
    with pytest.raises(ConfigError, match="probes"):
        near_pairs(x, 0.9, probes=0)
