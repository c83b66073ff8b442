"""The Smart Labeling targets on generated data (paper section 5, Table 3): each of the five
properties reaches F1 >= 90 within 1,500 oracle labels, and uncertainty sampling needs at most
half the labels of random sampling to reach that F1.

The whole pipeline runs for real on a small synthetic dataset: synth (no images) -> ingest ->
SQL transforms -> MiniLM text embedding (CPU, one thread) -> simulation with the generator's
hidden truth as the oracle. To stay within a few minutes the design matrix is the text
embedding plus the paper's keyword features (`space="text"`) and the budget is 800 labels.

Labels are counted from the first word-search answer, seeds included, for both strategies (the
same seeds). Random sampling goes on past the budget, up to 3x, until it reaches F1 90: its
count is measured, not cut off at the budget. Each count is read off the mean learning curve of
three runs (other search orders and random pages).

"Needs at most half the labels" is a statement about the expected number of labels, so it is
checked on the labels summed over three uniformly sampled test sets (`seed` 0, 1, 2). On one
test set of 600 the ratio of a property as common as deformable (31 %) or electronic (22 %)
scatters between about 0.3 and 0.55 (docs/labeling.md, "How robust the halving is"): a random
curve that reaches its plateau near 90 crosses it early or late by chance. Every test set on
its own must still reach F1 90 within the budget with uncertainty sampling.
"""

from __future__ import annotations

import pytest
import torch

from emma_fs import db
from emma_fs import workspace as ws_mod
from emma_fs.labeling.simulate import SimConfig, simulate
from emma_fs.project import Project

PROPS = ["sharp", "transparent", "deformable", "articulating", "electronic"]
N_OBJECTS = 2500
BUDGET = 800
TARGET = 90.0
TEST_SETS = (0, 1, 2)


@pytest.fixture(scope="module")
def synth_ws(tmp_path_factory):
    torch.set_num_threads(1)
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
        runs = {seed: simulate(synth_ws, con, PROPS, synth_ws.raw_dir / "truth" / "truth.parquet",
                               SimConfig(budget=BUDGET, test_size=600, target_f1=TARGET,
                                         random_cap=3.0, repeats=3, seed=seed),
                               space="text")
                for seed in TEST_SETS}
    finally:
        con.close()
    print(f"\n{'test set':>8} {'property':<13} {'F1':>5} {'ceiling':>7} {'seeds':>5} "
          f"{'labels to F1 90: uncertainty':>28} {'random':>7} {'ratio':>5}")
    totals = {prop: [0, 0] for prop in PROPS}
    for seed, rows in runs.items():
        for row in rows:
            prop = row["property"]
            rnd = row["labels_to_target_random"]
            print(f"{seed:>8} {prop:<13} {row['f1']:>5} {row['f1_all_pool_labeled']:>7} "
                  f"{row['seed_labels']:>5} {row['labels_to_target_uncertainty']!s:>28} "
                  f"{rnd if rnd is not None else '>' + str(row['random_labels_max']):>7} "
                  f"{row['label_ratio']!s:>5}")
            assert 3 <= 100 * row["test_pos"] / row["test"] <= 40, prop  # realistic prevalence
            # F1 >= 90 reached on every uniform test set within the label budget
            unc = row["labels_to_target_uncertainty"]
            assert unc is not None and unc <= BUDGET, (seed, prop, unc, row["f1"])
            assert row["f1"] >= 85.0, (seed, prop, row["f1"])
            # where random never reached F1 90 (within 3x the budget, or with the whole pool
            # labeled) it needs more than it used: that count is its lower bound
            if rnd is None:  # censored only after random sampling had at least the budget
                assert row["random_labels_max"] >= BUDGET, (prop, row["random_labels_max"])
            totals[prop][0] += unc
            totals[prop][1] += rnd if rnd is not None else row["random_labels_max"]
    print(f"{'all':>8} " + ", ".join(f"{p} {u}/{r} = {u / r:.2f}" for p, (u, r) in totals.items()))
    for prop, (unc_total, rnd_total) in totals.items():
        # uncertainty sampling needs at most half the labels random sampling needs for F1 90
        assert 2 * unc_total <= rnd_total, (prop, unc_total, rnd_total)
