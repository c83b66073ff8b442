"""The labeling model and candidate selection on small generated arrays."""

from __future__ import annotations

import numpy as np
import pytest

from emma_fs.errors import LabelingError
from emma_fs.labeling import candidates, model
from emma_fs.labeling.dataset import LabelingData


def make_data(n=400, d=8, k=2, seed=0, groups=None):
    rng = np.random.default_rng(seed)
    emb = (rng.normal(size=(n, d)) * rng.uniform(0.01, 5, d) + rng.normal(size=d)).astype(
        np.float32)
    kw = (rng.random((n, k)) < 0.2).astype(np.float32)
    return LabelingData(asins=np.array([f"A{i}" for i in range(n)], dtype=object),
                        embedding=emb, keywords=kw, patterns=[f"w{i}" for i in range(k)],
                        groups=np.arange(n) if groups is None else groups, fingerprint="t")


def test_folded_weights_match_sklearn_on_standardized_features():
    from sklearn.linear_model import LogisticRegression

    data = make_data()
    rng = np.random.default_rng(1)
    rows = rng.choice(data.n, 150, replace=False)
    y = (data.embedding[rows, 0] + 3 * data.keywords[rows, 1] > np.median(
        data.embedding[:, 0])).astype(int)
    m = model.fit(data, rows, y)
    scaler = model.Scaler.of(data)
    x = (data.matrix(np.arange(data.n)) - scaler.mean) / scaler.std
    ref = LogisticRegression(C=model.DEFAULT_C, class_weight=model.CLASS_WEIGHT, max_iter=500,
                             random_state=0).fit(
        x[rows], y).predict_proba(x)[:, 1]
    np.testing.assert_allclose(model.score(data, m), ref, atol=1e-4)
    np.testing.assert_allclose(model.score(data, m, rows[:5]), ref[rows[:5]], atol=1e-4)


def test_fit_needs_both_classes():
    data = make_data()
    with pytest.raises(LabelingError, match="2 positive and 0 negative"):
        model.fit(data, np.array([1, 2]), np.array([1, 1]))
    with pytest.raises(LabelingError, match="cross-validation needs"):
        model.cross_val_proba(data, np.array([1, 2, 3]), np.array([1, 0, 0]))


def test_cross_validation_never_splits_a_duplicate_cluster():
    # 60 clusters of 5 identical twins with random labels in 300 dimensions: a model that
    # sees a twin in training memorises it, so only grouped folds give chance-level accuracy.
    rng = np.random.default_rng(0)
    base = rng.normal(size=(60, 300)).astype(np.float32)
    groups = np.repeat(np.arange(60), 5)
    data = make_data(n=300, d=300, k=0, groups=groups)
    data.embedding = base[groups]
    labels = rng.integers(0, 2, 60)[groups]
    rows = np.arange(300)
    grouped = model.cross_val_proba(data, rows, labels, folds=5, c=10.0)
    data.groups = np.arange(300)
    leaky = model.cross_val_proba(data, rows, labels, folds=5, c=10.0)
    acc = lambda p: float(((p >= 0.5) == labels).mean())  # noqa: E731
    assert acc(leaky) > 0.95
    assert acc(grouped) < 0.7


def test_metrics_match_hand_counts():
    m = model.metrics(np.array([1, 1, 0, 0, 1]), np.array([1, 0, 1, 0, 1]))
    assert (m["errors"], m["precision"], m["recall"], m["accuracy"]) == (2, 66.7, 66.7, 60.0)
    assert model.metrics(np.array([0, 0]), np.array([0, 0]))["f1"] == 0.0


def test_uncertainty_sampling_picks_closest_unexcluded():
    p = np.array([0.1, 0.49, 0.52, 0.5, 0.9, 0.45], dtype=np.float32)
    exclude = np.array([False, False, False, True, False, False])
    assert candidates.uncertain(p, exclude, 3).tolist() == [1, 2, 5]
    assert candidates.uncertain(p, np.ones(6, bool), 3).tolist() == []
    assert len(candidates.uncertain(p, exclude, 100)) == 5


def test_range_search_and_random_candidates():
    rng = np.random.default_rng(0)
    p = np.linspace(0, 1, 101).astype(np.float32)
    exclude = np.zeros(101, bool)
    exclude[60] = True
    got = candidates.in_range(p, 0.5, 0.7, exclude, 100, rng)
    assert sorted(got.tolist()) == [r for r in range(50, 71) if r != 60]
    order = np.array([5, 3, 60, 9, 1])
    assert candidates.ordered_unanswered(order, exclude, 3).tolist() == [5, 3, 9]
    rand = candidates.random_rows(exclude, 50, rng)
    assert len(set(rand.tolist())) == 50 and 60 not in rand


def test_review_order_puts_confident_disagreements_first():
    y = np.array([1, 0, 1, 0])
    oof = np.array([0.9, 0.95, 0.02, 0.2])
    assert candidates.likely_mislabeled(oof, y).tolist() == [2, 1, 3, 0]
