"""Apply a property: a probabilistic label for every object, in DuckDB and Parquet.

The model is fitted on all current labels and scores every object with an embedding. The
``smart_labels`` rows of the property (long format: one row per object and property) are
replaced in one transaction. The Parquet export ``exports/smart_labels.parquet`` is the same
data keyed by ASIN for the feature store (whose entity is the ASIN): one row per object with
``event_timestamp`` (latest ``labeled_at``, UTC) and, per property ``P``, a DOUBLE column ``P``
(probability) and a VARCHAR column ``P_model_fingerprint``; rewritten atomically.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emma_fs.labeling import dataset, events, model, properties
from emma_fs.labeling.status import labeled_rows
from emma_fs.labeling.tables import ensure_tables
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    import duckdb

    from emma_fs.workspace import Workspace


def export_path(ws: Workspace) -> Path:
    return ws.exports_dir / "smart_labels.parquet"


def apply_property(ws: Workspace, con: duckdb.DuckDBPyConnection, prop: str, *,
                   space: str | None = None, progress: Progress = SILENT) -> dict[str, Any]:
    """Fit on all labels, write ``smart_labels`` for ``prop`` and re-export the Parquet file."""
    import pyarrow as pa

    properties.require(con, prop)
    data = dataset.load(ws, con, prop, space)
    rows, y = labeled_rows(data, events.current_labels(con, prop))
    with progress.task(f"training {prop} on {len(y)} labels"):
        m = model.fit(data, rows, y)
    with progress.task(f"scoring {data.n:,} objects", total=data.n):
        proba = model.score(data, m)
    now = datetime.now(UTC)
    table = pa.table({
        "asin": pa.array(data.asins.tolist(), pa.string()),
        "probability": pa.array(proba.astype("float64")),
    })
    ensure_tables(con)
    con.register("_emma_new_labels", table)
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM smart_labels WHERE property = ?", [prop])
        con.execute("INSERT INTO smart_labels SELECT asin, ?, probability, ?, ? "
                    "FROM _emma_new_labels", [prop, m.fingerprint, now])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_emma_new_labels")
    path = export_smart_labels(ws, con)
    return {"property": prop, "objects": data.n, "labels": len(y),
            "predicted_positives": int((proba >= 0.5).sum()),
            "mean_probability": round(float(proba.mean()), 4),
            "model_fingerprint": m.fingerprint, "export": str(path)}


def export_smart_labels(ws: Workspace, con: duckdb.DuckDBPyConnection) -> Path:
    """Rewrite the ASIN-keyed Parquet export from ``smart_labels`` (temp file, then rename)."""
    path = export_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    props = [r[0] for r in con.execute(
        "SELECT DISTINCT property FROM smart_labels ORDER BY property").fetchall()]
    columns = ["asin", "max(labeled_at) AS event_timestamp"]
    for prop in props:  # names are validated identifiers (properties.check_name)
        properties.check_name(prop)
        columns.append(f"first(probability) FILTER (WHERE property = '{prop}') AS \"{prop}\"")
        columns.append(f"first(model_fingerprint) FILTER (WHERE property = '{prop}') "
                       f"AS \"{prop}_model_fingerprint\"")
    con.execute(
        f"""COPY (SELECT {', '.join(columns)} FROM smart_labels GROUP BY asin ORDER BY asin)
            TO '{_sql_path(tmp)}' (FORMAT parquet)""")
    os.replace(tmp, path)
    return path


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
