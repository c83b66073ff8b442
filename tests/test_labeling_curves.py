"""Learning-curve arithmetic of the labeling simulation, and which objects it labels."""

from __future__ import annotations

import inspect

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from test_labeling_support import make_workspace

from emma_fs import db
from emma_fs.labeling import curves, dataset


def test_step_curve_lookups():
    c = [(100, 80.0), (120, 91.0), (140, 89.0), (160, 92.0)]
    assert curves.value_at(c, 99) is None
    assert curves.value_at(c, 139) == 91.0 and curves.value_at(c, 500) == 92.0
    assert curves.first_reaching(c, 90.0) == 120
    assert curves.first_reaching(c, 95.0) is None


def test_mean_curve_covers_the_common_span_and_smooths_a_lucky_page():
    a = [(100, 80.0), (120, 92.0), (140, 85.0), (160, 91.0)]  # touches 90 once by luck
    b = [(110, 84.0), (130, 86.0), (150, 90.0), (170, 93.0)]
    mean = curves.mean_curve([a, b])
    assert [n for n, _ in mean] == [110, 120, 130, 140, 150, 160]  # from 110 to 160 only
    assert dict(mean)[120] == 88.0 and dict(mean)[150] == 87.5
    assert curves.first_reaching(a, 90.0) == 120
    assert curves.first_reaching(mean, 90.0) == 160
    assert curves.mean_curve([a]) == a and curves.mean_curve([[], []]) == []


def test_only_objects_of_listings_are_labeled(tmp_path):
    # an embedding export may hold more ASINs than the dataset (the text space embeds
    # listings_joined, dropped listings included): those have no keyword features, no
    # duplicate cluster and no label to receive, so they are left out
    ws, _ = make_workspace(tmp_path / "ws", n=100)
    path = dataset.embedding_path(ws, "object")
    table = pq.read_table(path)
    extra = table.slice(0, 5).set_column(
        0, "asin", pa.array([f"X{i:09d}" for i in range(5)]))
    pq.write_table(pa.concat_tables([table, extra]), path)
    con = db.connect(ws.duckdb_path)
    try:
        data = dataset.load(ws, con, "sharp")
    finally:
        con.close()
    assert data.n == 100 and not any(a.startswith("X") for a in data.asins)
    assert np.isfinite(data.embedding).all()


def test_object_embedding_default_dim_is_the_same_everywhere():
    from cli.commands import label
    from emma_fs.labeling.object_embedding import (
        DEFAULT_DIM,
        TrainConfig,
        train_object_embedding,
    )

    assert DEFAULT_DIM == 512 == TrainConfig().dim
    assert inspect.signature(train_object_embedding).parameters["dim"].default == DEFAULT_DIM
    assert inspect.signature(label.embed_cmd).parameters["dim"].default.default == DEFAULT_DIM
