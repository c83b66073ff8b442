"""Learning curves of the labeling simulation: ``[(labels, test F1 %), ...]`` in label order.

A curve is a step function: after ``n`` labels the model in force is the last one trained on at
most ``n`` labels. Curves of repeated runs (different word-search orders and random pages)
start at different label counts and end at different ones, so their mean is taken at every
label count where some run retrained, over the span that every run covers. Reading "labels to
reach an F1" off that mean, rather than off one run, keeps a single lucky page (a model that
touches the target once, on a small test set, and falls back) from deciding the comparison.
"""

from __future__ import annotations

Curve = list[tuple[int, float]]


def value_at(curve: Curve, n_labels: int) -> float | None:
    """Test F1 of the last model trained on at most ``n_labels`` labels (None: none yet)."""
    return next((f1 for n, f1 in reversed(curve) if n <= n_labels), None)


def first_reaching(curve: Curve, target: float) -> int | None:
    """Labels after which the curve first reaches ``target`` (None: never)."""
    return next((n for n, f1 in curve if f1 >= target), None)


def mean_curve(curves: list[Curve]) -> Curve:
    """Pointwise mean of step-function curves over the label span all of them cover."""
    curves = [c for c in curves if c]
    if not curves:
        return []
    if len(curves) == 1:
        return list(curves[0])
    start = max(c[0][0] for c in curves)
    end = min(c[-1][0] for c in curves)
    points = sorted({n for c in curves for n, _ in c if start <= n <= end})
    return [(n, round(sum(value_at(c, n) for c in curves) / len(curves), 2)) for n in points]
