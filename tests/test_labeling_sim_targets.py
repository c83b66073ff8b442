"""The Smart Labeling targets on generated data (paper section 5, Table 3): each of the five
properties reaches F1 >= 90 within 1,500 oracle labels, and uncertainty sampling needs at most
half the labels of random sampling for the same F1.

The whole pipeline runs for real on a small synthetic dataset: synth (no images) -> ingest ->
SQL transforms -> MiniLM text embedding (CPU, one thread) -> simulation with the generator's
hidden truth as the oracle. To stay near a minute the design matrix is the text embedding plus
the paper's keyword features (`space="text"`); the object embedding with the text block in its
input (`label embed --dim 512`) reaches the same targets on 4,000 objects (docs/labeling.md).
"""

from __future__ import annotations

import pytest

from emma_fs import db
from emma_fs import workspace as ws_mod
from emma_fs.labeling.simulate import SimConfig, simulate
from emma_fs.project import Project

PROPS = ["sharp", "transparent", "deformable", "articulating", "electronic"]
N_OBJECTS = 2500
BUDGET = 800


@pytest.fixture(scope="module")
def synth_ws(tmp_path_factory):
    ws = ws_mod.init(tmp_path_factory.mktemp("sim_targets") / "ws")
    project = Project(ws)
    project.synth(N_OBJECTS, seed=0, images="none")
    project.ingest()
    project.transform()
    project.embed("text", threads=1)
    return ws


@pytest.mark.slow
@pytest.mark.heavy
def test_five_properties_reach_f1_90_and_uncertainty_halves_labels(synth_ws):
    con = db.connect(synth_ws.duckdb_path)
    try:
        rows = simulate(synth_ws, con, PROPS, synth_ws.raw_dir / "truth" / "truth.parquet",
                        SimConfig(budget=BUDGET, test_size=600, target_f1=90.0),
                        space="text")
    finally:
        con.close()
    for row in rows:
        prop = row["property"]
        assert 3 <= 100 * row["test_pos"] / row["test"] <= 40, prop  # prevalence kept realistic
        # F1 >= 90 reached on the uniform test set within the label budget
        unc = row["labels_to_target_uncertainty"]
        assert unc is not None and unc <= BUDGET, (prop, unc, row["f1"])
        assert row["f1"] >= 85.0, (prop, row["f1"])
        # the same F1 for both strategies: random sampling's F1 at the full budget
        unc_same = row["labels_uncertainty_to_random_f1"]
        rnd_same = row["labels_random_to_random_f1"]
        assert unc_same is not None and 2 * unc_same <= rnd_same, (prop, unc_same, rnd_same)
