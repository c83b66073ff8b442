"""The state of a property: labels so far, cross-validated quality, predicted positive rate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs.errors import LabelingError
from emma_fs.labeling import dataset, events, features, model, properties

if TYPE_CHECKING:
    import duckdb

    from emma_fs.workspace import Workspace


def labeled_rows(data: dataset.LabelingData, labels: dict[str, int]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers and 0/1 labels of the labeled objects present in ``data``."""
    asins = list(labels)
    rows = data.rows_of(asins) if asins else np.empty(0, dtype=np.int64)
    y = np.fromiter((labels[a] for a in asins), dtype=np.int64, count=len(asins))
    ok = rows >= 0
    return rows[ok], y[ok]


def property_status(ws: Workspace, con: duckdb.DuckDBPyConnection, prop: str, *,
                    folds: int = 10, space: str | None = None) -> dict[str, Any]:
    """Labels, positives, grouped-CV precision/recall/F1 and the predicted positive rate."""
    properties.require(con, prop)
    labels = events.current_labels(con, prop)
    n_events = events.counts(con, prop)
    out: dict[str, Any] = {
        "property": prop, "labels": len(labels), "positives": sum(labels.values()),
        "negatives": len(labels) - sum(labels.values()), "skips": n_events.get("skip", 0),
        "undos": n_events.get("undo", 0), "events": sum(n_events.values()),
        "keyword_features": len(features.list_patterns(con, prop)),
    }
    data = dataset.load(ws, con, prop, space)
    rows, y = labeled_rows(data, labels)
    out["objects"] = data.n
    try:
        scaler = model.Scaler.of(data)
        m = model.fit(data, rows, y, scaler=scaler)
        proba = model.score(data, m)
        out["predicted_positive_rate"] = round(float((proba >= 0.5).mean()), 4)
        out["model_fingerprint"] = m.fingerprint
        oof = model.cross_val_proba(data, rows, y, folds=folds, scaler=scaler)
        cv = model.metrics(y, oof >= 0.5)
        out.update({f"cv_{k}": cv[k] for k in ("precision", "recall", "f1", "accuracy")})
    except LabelingError as exc:
        out["note"] = exc.message
    return out
