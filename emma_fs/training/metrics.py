"""Evaluation metrics of Table 1 (numpy, on arrays of predictions and targets).

Definitions (image2mass / the paper's appendix "Metrics"): ALDE = |ln p - ln t|;
APE = |p - t| / t; MnRE = mean over items of min(p/t, t/p); q = share within a factor of 2.
Materials: per-object F1 over the nodes the label speaks about (same mask as the loss),
averaged over labelled objects. Category: accuracy per level of the true path, averaged over
levels then over items. Ratings: KL(truth || prediction), the loss (weighted by ln n_reviews).
ECE: expected calibration error of binary probabilities in equal-width bins.
Missing targets (NaN, non-positive, empty) are skipped; every function returns NaN when no
item is left.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _pairs(pred: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, truth = np.asarray(pred, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    ok = np.isfinite(pred) & np.isfinite(truth) & (pred > 0) & (truth > 0)
    return pred[ok], truth[ok]


def alde(pred: np.ndarray, truth: np.ndarray) -> float:
    p, t = _pairs(pred, truth)
    return float(np.mean(np.abs(np.log(p) - np.log(t)))) if len(p) else float("nan")


def ape(pred: np.ndarray, truth: np.ndarray) -> float:
    p, t = _pairs(pred, truth)
    return float(np.mean(np.abs(p - t) / t)) if len(p) else float("nan")


def mnre(pred: np.ndarray, truth: np.ndarray) -> float:
    p, t = _pairs(pred, truth)
    return float(np.mean(np.minimum(p / t, t / p))) if len(p) else float("nan")


def q_within_2x(pred: np.ndarray, truth: np.ndarray) -> float:
    p, t = _pairs(pred, truth)
    return float(np.mean(np.maximum(p / t, t / p) <= 2.0)) if len(p) else float("nan")


def materials_f1(probs: np.ndarray, targets: np.ndarray, mask: np.ndarray,
                 threshold: float = 0.5) -> float:
    """Mean per-object F1 of thresholded node predictions over each object's masked nodes."""
    pred = (probs >= threshold) & mask
    true = (targets >= 0.5) & mask
    tp = (pred & true).sum(axis=1)
    fp = (pred & ~true).sum(axis=1)
    fn = (~pred & true).sum(axis=1)
    labelled = mask.any(axis=1)
    denom = 2 * tp + fp + fn
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 1.0)
    return float(f1[labelled].mean()) if labelled.any() else float("nan")


def category_accuracy(pred_paths: Sequence[Sequence[str]], true_paths: Sequence[Sequence[str]]
                      ) -> float:
    """Per item: share of the true path's levels predicted exactly (same prefix); mean over
    items with a true path."""
    scores = []
    for pred, true in zip(pred_paths, true_paths, strict=True):
        if true is None or len(true) == 0:
            continue
        pred = list(pred or [])
        hits = [lvl < len(pred) and list(pred[: lvl + 1]) == list(true[: lvl + 1])
                for lvl in range(len(true))]
        scores.append(np.mean(hits))
    return float(np.mean(scores)) if scores else float("nan")


def ratings_kl(pred: np.ndarray, truth: np.ndarray, n_reviews: np.ndarray) -> float:
    """KL(truth || pred) per item, mean weighted by ln(n_reviews); items with n <= 1 have
    weight 0, items with a missing distribution are skipped."""
    pred = np.clip(np.asarray(pred, dtype=np.float64), 1e-12, None)
    truth = np.asarray(truth, dtype=np.float64)
    n = np.asarray(n_reviews, dtype=np.float64)
    ok = np.isfinite(truth).all(axis=1) & np.isfinite(n) & (n >= 1)
    if not ok.any():
        return float("nan")
    t = truth[ok]
    kl = np.sum(np.where(t > 0, t * (np.log(np.clip(t, 1e-12, None)) - np.log(pred[ok])), 0.0),
                axis=1)
    w = np.log(n[ok])
    return float((kl * w).sum() / w.sum()) if w.sum() > 0 else float(kl.mean())


def ece(probs: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error of binary probabilities (flattened) against 0/1 labels."""
    p = np.asarray(probs, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=np.float64).ravel()
    if len(p) == 0:
        return float("nan")
    bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    conf = np.bincount(bins, weights=p, minlength=n_bins)
    acc = np.bincount(bins, weights=y, minlength=n_bins)
    return float(np.abs(conf - acc).sum() / len(p))
