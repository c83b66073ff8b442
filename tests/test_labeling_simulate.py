"""The oracle simulation of the paper's Smart Labeling process (Table 3) on generated data."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_labeling_support import make_workspace

from emma_fs import db
from emma_fs.errors import InputFileError, LabelingError
from emma_fs.labeling.simulate import TABLE3_COLUMNS, SimConfig, simulate


@pytest.fixture()
def sim_ws(tmp_path):
    ws, truth = make_workspace(tmp_path / "ws", n=3000, positive_rate=0.08, separation=3.5)
    path = tmp_path / "truth.parquet"
    asins = list(truth)[:-50]  # objects without a truth are never labeled
    pq.write_table(pa.table({"asin": asins, "sharp": [bool(truth[a]) for a in asins]}), path)
    return ws, path


@pytest.mark.slow
def test_simulation_reports_table3_and_sampling_comparison(sim_ws):
    ws, truth_path = sim_ws
    con = db.connect(ws.duckdb_path)
    cfg = SimConfig(budget=300, test_size=600, target_f1=85.0)
    (row,) = simulate(ws, con, ["sharp"], truth_path, cfg)
    con.close()
    assert set(TABLE3_COLUMNS) <= set(row)
    assert row["train"] <= 300 and row["test"] == 600
    assert row["errors"] == round(600 * (1 - row["accuracy"] / 100))
    assert 20 < row["test_pos"] < 80  # a uniform sample of an 8% property
    assert row["f1"] >= 85.0
    unc, rnd = row["labels_to_target_uncertainty"], row["labels_to_target_random"]
    assert row["f1_all_pool_labeled"] > 85 and row["pool"] > 2000
    assert unc is not None and (rnd is None or unc <= rnd)
    curve = np.array(row["curve_uncertainty"])
    assert (np.diff(curve[:, 0]) >= 0).all() and curve[-1, 0] == row["train"]


def test_simulation_input_errors(sim_ws, tmp_path):
    ws, truth_path = sim_ws
    con = db.connect(ws.duckdb_path)
    with pytest.raises(LabelingError, match="no simulation keywords"):
        simulate(ws, con, ["shiny"], truth_path, SimConfig())
    with pytest.raises(InputFileError, match="not found"):
        simulate(ws, con, ["sharp"], tmp_path / "missing.parquet", SimConfig())
    with pytest.raises(InputFileError, match="'transparent'"):
        simulate(ws, con, ["transparent"], truth_path, SimConfig())
    with pytest.raises(LabelingError, match="have a truth"):
        simulate(ws, con, ["sharp"], truth_path, SimConfig(test_size=5000))
    con.close()


def test_noisy_oracle_flips_the_requested_share():
    from emma_fs.labeling.simulate import Oracle

    truth = np.zeros(20_000, dtype=np.int64)
    rows = np.arange(20_000)
    assert Oracle(truth, 0.0, np.random.default_rng(0))(rows).sum() == 0
    flipped = Oracle(truth, 0.2, np.random.default_rng(0))(rows).mean()
    assert 0.19 < flipped < 0.21
