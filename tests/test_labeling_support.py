"""Shared generator for the labeling tests: a real workspace with a small ``listings`` table
and an object-embedding export whose vectors carry a hidden property ``sharp``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

WORDS_POS = ["knife", "blade", "scissors", "needle"]
WORDS_NEG = ["pillow", "mug", "towel", "lamp", "book", "shirt"]


def make_workspace(root: Path, n: int = 600, d: int = 16, seed: int = 0,
                   positive_rate: float = 0.3, separation: float = 2.5):
    """Create workspace ``root`` with ``listings`` and ``exports/embeddings/object.parquet``.

    Returns ``(ws, truth)`` where ``truth`` maps asin -> 0/1 for the property ``sharp``
    (prevalence ``positive_rate``, classes ``separation`` standard deviations apart).
    Every 10th object has a near-identical twin in the same duplicate cluster."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from emma_fs import workspace

    rng = np.random.default_rng(seed)
    ws = workspace.init(root)
    y = (rng.random(n) < positive_rate).astype(int)
    direction = rng.normal(size=d)
    direction /= np.linalg.norm(direction)
    emb = rng.normal(size=(n, d)) + np.outer(separation * (y - positive_rate), direction)
    clusters = [f"c{i}" for i in range(n)]
    for i in range(0, n - 1, 10):  # twins
        emb[i + 1] = emb[i] + rng.normal(scale=0.01, size=d)
        y[i + 1] = y[i]
        clusters[i + 1] = clusters[i]
    asins = [f"B{i:09d}" for i in range(n)]
    texts, titles = [], []
    for i in range(n):
        pool = WORDS_POS if (y[i] and rng.random() < 0.8) else WORDS_NEG
        word = pool[rng.integers(len(pool))]
        titles.append(f"Item {i} {word}")
        texts.append(f"Item {i} {word} with extra words, model {i % 7}")
    con = duckdb.connect(str(ws.duckdb_path))
    con.register("_src", pa.table({
        "asin": asins, "title": titles, "listing_text": texts,
        "category_path": [["Home", "Kitchen" if i % 2 else "Tools"] for i in range(n)],
        "price_usd": rng.lognormal(3, 1, n), "mass_kg": rng.lognormal(0, 1, n),
        "materials": [["metal"] if y[i] else ["fabric"] for i in range(n)],
        "image_paths": [[f"images/{a[-2:]}/{a}.jpg"] for a in asins],
        "duplicate_cluster": clusters,
    }))
    con.execute("CREATE TABLE listings AS SELECT * FROM _src")
    con.close()
    out = ws.exports_dir / "embeddings"
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({
        "asin": asins,
        "vector": pa.array(emb.astype(np.float32).tolist(), pa.list_(pa.float32(), d)),
        "model": ["synthetic"] * n,
        "event_timestamp": [datetime.now(UTC)] * n,
    }), out / "object.parquet")
    return ws, dict(zip(asins, y.tolist(), strict=True))
