"""The object embedding: trained on generated objects with a real DuckDB and LanceDB."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from emma_fs import db, workspace
from emma_fs.errors import ModelError, NotFound
from emma_fs.labeling import dataset
from emma_fs.labeling.object_embedding import train_object_embedding


def make_objects(root, n=800, seed=0):
    """Objects driven by a 4-d latent: text vectors, price, mass, category and materials all
    derive from it, so a small bottleneck can reconstruct them."""
    rng = np.random.default_rng(seed)
    ws = workspace.init(root)
    z = rng.normal(size=(n, 4))
    text = z @ rng.normal(size=(4, 24)) + 0.05 * rng.normal(size=(n, 24))
    cat = (z[:, 2] > 0).astype(int) * 2 + (z[:, 3] > 0).astype(int)
    cats = [["Home", "Kitchen"], ["Home", "Bath"], ["Tools", "Saws"], ["Toys", "Dolls"]]
    mats = [["metal"], ["plastic"], ["metal", "steel"], ["fabric"]]
    asins = [f"B{i:09d}" for i in range(n)]
    price = np.exp(2 + z[:, 0])
    price[::7] = np.nan  # missing values get masks
    ratings = rng.dirichlet(np.ones(5), n)
    con = duckdb.connect(str(ws.duckdb_path))
    con.register("_src", pa.table({
        "asin": asins, "listing_text": [f"item {i}" for i in range(n)],
        "price_usd": price, "mass_kg": np.exp(z[:, 1] - 1),
        "materials": [mats[c] for c in cat], "rating_dist": ratings.tolist(),
        "product_type": [f"TYPE_{c}" for c in cat],
        "category_path": [cats[c] for c in cat], "duplicate_cluster": asins,
    }))
    con.execute("CREATE TABLE listings AS SELECT * FROM _src")
    con.close()
    (ws.exports_dir / "embeddings").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({
        "asin": asins, "vector": pa.array(text.astype(np.float32).tolist(),
                                          pa.list_(pa.float32(), 24)),
        "model": ["synthetic-text"] * n, "event_timestamp": [datetime.now(UTC)] * n,
    }), ws.exports_dir / "embeddings" / "text.parquet")
    return ws


@pytest.mark.slow
def test_object_embedding_trains_reports_and_writes_outputs(tmp_path):
    import lancedb

    torch.set_num_threads(1)
    ws = make_objects(tmp_path / "ws")
    report = train_object_embedding(ws, dim=16, epochs=30, batch_size=32, seed=0)
    # paper-style reconstruction report on the held-out 10%
    assert report["evaluated_on"] == "holdout" and report["rows"] == 80
    assert report["blocks"]["text"] == 25 and report["blocks"]["materials"] == 5
    assert report["mean_standardized_l2"] < 0.1  # predicting the mean scores 1.0
    assert report["mass_r2"] > 0.9 and report["price_r2"] > 0.9
    assert report["category_accuracy"] > 0.95 and report["materials_f1"] > 0.95

    tbl = lancedb.connect(str(ws.lancedb_path)).open_table("object_embeddings").to_arrow()
    assert tbl.num_rows == 800 and tbl.schema.field("vector").type.list_size == 16
    assert set(tbl.column("model").to_pylist()) == {report["model"]}
    asins, vectors, model = dataset.load_vectors(dataset.embedding_path(ws, "object"))
    assert pq.read_schema(dataset.embedding_path(ws, "object")).names == [
        "asin", "vector", "model", "event_timestamp"]
    assert len(asins) == 800 and model == report["model"]
    np.testing.assert_allclose(vectors.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(vectors.std(0), 1, atol=1e-3)
    assert (ws.models_dir / "object_embedding" / f"{report['model']}.pt").exists()
    con = db.connect(ws.duckdb_path)
    assert db.source_versions(con)["object_embeddings"] in report["model"]
    con.close()


def test_object_embedding_needs_listings(tmp_path):
    ws = workspace.init(tmp_path / "empty")
    with pytest.raises(NotFound, match="listings"):
        train_object_embedding(ws, dim=4, epochs=1)


def test_object_embedding_min_steps_sets_the_epochs_of_a_small_dataset(tmp_path):
    torch.set_num_threads(1)
    ws = make_objects(tmp_path / "ws")  # 720 training rows: 23 steps per epoch at batch 32
    report = train_object_embedding(ws, dim=8, epochs=1, batch_size=32, min_steps=50)
    assert report["epochs"] == 3  # ceil(50 / 23) epochs to reach 50 optimizer steps
    with pytest.raises(ModelError, match="min_steps"):
        train_object_embedding(ws, dim=8, min_steps=-1)
