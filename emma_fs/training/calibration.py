"""Temperature scaling on the calibration split, with ECE before and after.

Materials: one temperature for all node logits, fitted by minimising the masked binary
cross-entropy. Category: one temperature for the per-parent softmaxes, fitted by minimising
the cross-entropy of the true node among its siblings at every level. The ECE of each task is
computed on the same split with the same masks (materials: every included node as a binary
prediction; category: top-1 confidence among the true parent's children vs correctness).
A fitted temperature that would raise the ECE is not used (``temperature`` 1, the fit kept as
``fitted_temperature``). Regression tasks (price, mass) and ratings are not calibrated.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from emma_fs.training.metrics import ece
from emma_fs.training.predict import sibling_softmax

GRID = np.exp(np.linspace(np.log(0.05), np.log(20.0), 121))


def _materials_nll(logits: np.ndarray, targets: np.ndarray, mask: np.ndarray, t: float
                   ) -> float:
    z = logits[mask] / t
    y = targets[mask]
    return float(np.mean(np.logaddexp(0, z) - y * z))


def _category_terms(logits: np.ndarray, path_idx: np.ndarray, parent: np.ndarray, t: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (item, level) with a label: NLL of the true node, top-1 confidence, correctness."""
    probs = sibling_softmax(logits / t, parent)
    rows, lvls = np.nonzero(path_idx >= 0)
    true = path_idx[rows, lvls]
    group = parent[true]
    in_group = parent[None, :] == group[:, None]
    p = np.where(in_group, probs[rows], -1.0)
    best = p.argmax(axis=1)
    nll = -np.log(np.clip(probs[rows, true], 1e-12, None))
    return nll, p[np.arange(len(best)), best], (best == true).astype(np.float64)


def fit_temperatures(raw: dict[str, np.ndarray], arrays: dict[str, np.ndarray],
                     rows: np.ndarray, cat_parent: np.ndarray) -> dict[str, dict[str, float]]:
    """Temperatures + ECE before/after per task on ``rows`` (the calibration split)."""
    report: dict[str, dict[str, float]] = {}
    logits, targets = raw["materials"], arrays["mat_targets"][rows]
    mask = arrays["mat_mask"][rows]
    if mask.any():
        t = min(GRID, key=lambda g: _materials_nll(logits, targets, mask, g))
        before = ece(expit(logits[mask]), targets[mask])
        after = ece(expit(logits[mask] / t), targets[mask])
        report["materials"] = _keep_if_better(float(t), before, after, int(mask.sum()))
    path_idx = arrays["category"][rows]
    if (path_idx >= 0).any() and len(cat_parent):
        cat = raw["category"]
        t = min(GRID[::4], key=lambda g: _category_terms(cat, path_idx, cat_parent, g)[0].mean())
        _, conf0, ok0 = _category_terms(cat, path_idx, cat_parent, 1.0)
        _, conf1, ok1 = _category_terms(cat, path_idx, cat_parent, t)
        report["category"] = _keep_if_better(float(t), ece(conf0, ok0), ece(conf1, ok1),
                                             int(len(ok0)))
    return report


def _keep_if_better(t: float, before: float, after: float, n: int) -> dict[str, float]:
    """Use the fitted temperature only if it lowers the ECE (small calibration splits can
    push the NLL optimum to an extreme that hurts calibration); report both either way."""
    if after > before:
        return {"temperature": 1.0, "fitted_temperature": t, "ece_before": before,
                "ece_after": before, "n": n}
    return {"temperature": t, "fitted_temperature": t, "ece_before": before,
            "ece_after": after, "n": n}
