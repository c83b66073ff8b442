"""The LanceDB vector tables: upsert by ASIN, index maintenance, export, dimension changes."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from emma_fs import workspace
from emma_fs.embeddings import store
from emma_fs.errors import NotFound, StoreError


@pytest.fixture()
def ws(tmp_path):
    return workspace.init(tmp_path / "ws")


def _rows(n, dim=16, seed=0, prefix="a"):
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return [f"{prefix}{i}" for i in range(n)], x


def test_upsert_indexes_and_export_stay_in_step(ws):
    asins, x = _rows(1200)
    table = store.ensure_table(store.connect(ws), "text", 16)
    store.upsert(table, store.to_batch(asins, x, "m@1", ["h"] * len(asins)))
    store.maintain_indexes(table, ann_index_min_rows=1000)
    kinds = {(i.index_type, tuple(i.columns)) for i in table.list_indices()}
    assert kinds == {("BTree", ("asin",)), ("IvfFlat", ("vector",))}
    store.upsert(table, store.to_batch(["a0", "new"], x[:2] * 2, "m@1", ["h2", "h2"]))
    store.delete_asins(table, ["a1", "a2"])
    store.maintain_indexes(table, ann_index_min_rows=1000)
    path = store.export_parquet(ws, "text", table)
    export = pq.read_table(path)
    assert export.num_rows == table.count_rows() == 1199
    got_asins, vectors, models = store.read_vectors(ws, "text")
    row = dict(zip(got_asins.tolist(), vectors, strict=True))
    assert np.allclose(row["a0"], x[0] * 2) and "a1" not in row and models == ["m@1"]


def test_duplicate_asins_in_a_batch_are_refused(ws):
    asins, x = _rows(3)
    table = store.ensure_table(store.connect(ws), "image", 16)
    store.upsert(table, store.to_batch(asins, x, "m", ["h"] * 3))
    with pytest.raises(StoreError, match="once per batch"):
        store.upsert(table, store.to_batch(["a0", "a0"], x[:2], "m", ["h", "h"]))
    assert table.count_rows() == 3


def test_new_dimension_replaces_the_table_and_missing_space_is_not_found(ws):
    asins, x = _rows(5)
    table = store.ensure_table(store.connect(ws), "text", 16)
    store.upsert(table, store.to_batch(asins, x, "m", ["h"] * 5))
    wider = store.ensure_table(store.connect(ws), "text", 32)
    assert store.vector_dim(wider) == 32 and wider.count_rows() == 0
    with pytest.raises(NotFound, match="emma-fs embed reviews"):
        store.read_vectors(ws, "review")
