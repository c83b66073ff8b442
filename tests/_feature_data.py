"""Small generated workspaces for the feature-store tests: a DuckDB ``listings`` table shaped
like the contract's view (docs/contracts.md section 4) and embedding exports
``exports/embeddings/<space>.parquet`` (asin, vector, model, event_timestamp)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from emma_fs import workspace
from emma_fs.workspace import Workspace

CATEGORIES = ["Pillows", "Mugs", "Lamps", "Toys"]


def asins(n: int) -> list[str]:
    return [f"B{i:09d}" for i in range(n)]


def make_listings(ws: Workspace, n: int) -> None:
    """Create (or replace) a ``listings`` table with ``n`` rows (deterministic values)."""
    con = duckdb.connect(str(ws.duckdb_path))
    con.execute("""
        CREATE OR REPLACE TABLE listings AS
        SELECT 'B' || lpad(i::VARCHAR, 9, '0') AS asin,
               'Item ' || i AS title,
               'Brand' || (i % 7) AS brand,
               'TYPE' || (i % 3) AS product_type,
               ['Home', ?[1 + i % 4]] AS category_path,
               round(1 + (i * 37 % 100) + 0.99, 2) AS price_usd,
               0.1 + (i % 50) / 10.0 AS mass_kg,
               0.2 + (i % 50) / 10.0 AS package_mass_kg,
               10.0 AS length_cm, 5.0 AS width_cm, 2.0 AS height_cm,
               ['plastic', 'material'] AS materials,
               (i * 13 % 500)::INTEGER AS n_reviews,
               1 + (i % 40) / 10.0 AS avg_rating,
               1 + i % 3 AS n_images,
               i AS duplicate_cluster,
               CASE WHEN i % 10 < 8 THEN 'train' ELSE 'test' END AS split
        FROM range(?) r(i)""", [CATEGORIES, n])
    con.close()


def make_embeddings(ws: Workspace, space: str, n: int, dim: int = 16, seed: int = 1,
                    keys: list[str] | None = None) -> np.ndarray:
    """Write unit-norm random vectors for the first ``n`` ASINs; returns them."""
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    out = ws.exports_dir / "embeddings" / f"{space}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({
        "asin": keys or asins(n),
        "vector": pa.array(list(vectors), pa.list_(pa.float32())),
        "model": ["test-model"] * n,
        "event_timestamp": pa.array([datetime(2026, 1, 1, tzinfo=UTC)] * n,
                                    pa.timestamp("us", tz="UTC")),
    })
    pq.write_table(table, out)
    return vectors


def make_workspace(root: Path, n: int = 200, dim: int = 16, spaces: tuple[str, ...] = ("text",)
                   ) -> tuple[Workspace, dict[str, np.ndarray]]:
    ws = workspace.init(root)
    make_listings(ws, n)
    vectors = {s: make_embeddings(ws, s, n, dim, seed=i + 1) for i, s in enumerate(spaces)}
    return ws, vectors
