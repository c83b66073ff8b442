"""Table 1 metrics, ECE, calibration and hierarchy encoding against hand-computed values."""

import math

import numpy as np
import pytest

from emma_fs.errors import ConfigError
from emma_fs.training import metrics
from emma_fs.training.calibration import fit_temperatures
from emma_fs.training.hierarchy import CategoryVocab, MaterialTree
from emma_fs.training.predict import decode_categories, sibling_softmax

TREE = MaterialTree.from_pairs([("metal", ""), ("steel", "metal"), ("aluminum", "metal"),
                                ("wood", "")])


def test_ratio_metrics():
    pred, truth = np.array([2.0, 1.0, 3.0, 5.0]), np.array([1.0, 1.0, 1.0, np.nan])
    assert metrics.mnre(pred, truth) == pytest.approx((0.5 + 1 + 1 / 3) / 3)
    assert metrics.alde(pred, truth) == pytest.approx((math.log(2) + 0 + math.log(3)) / 3)
    assert metrics.ape(pred, truth) == pytest.approx((1 + 0 + 2) / 3)
    assert metrics.q_within_2x(pred, truth) == pytest.approx(2 / 3)
    assert math.isnan(metrics.mnre(np.array([1.0]), np.array([np.nan])))


def test_materials_f1_per_object_with_label_mask():
    targets, mask = TREE.encode([["steel"], ["metal"], None])
    probs = np.array([[0.9, 0.9, 0.6, 0.1],   # tp metal, steel; fp aluminum -> 4/5
                      [0.9, 0.9, 0.9, 0.9],   # steel/aluminum masked; fp wood -> 2/3
                      [0.9, 0.9, 0.9, 0.9]])  # unlabelled: not counted
    assert metrics.materials_f1(probs, targets, mask) == pytest.approx((0.8 + 2 / 3) / 2)


def test_category_accuracy_levels_then_items():
    pred = [["A", "X"], ["B"], ["A"]]
    true = [["A", "Y"], ["A"], []]
    assert metrics.category_accuracy(pred, true) == pytest.approx((0.5 + 0.0) / 2)


def test_ratings_kl_metric_matches_loss_definition():
    truth = np.array([[1.0, 0, 0, 0, 0], [0.2] * 5, [np.nan] * 5])
    pred = np.full((3, 5), 0.2)
    n = np.array([math.e, math.e ** 2, 9.0])
    assert metrics.ratings_kl(pred, truth, n) == pytest.approx(math.log(5) / 3)


def test_ece_hand_computed():
    p = np.array([0.9, 0.9, 0.1, 0.1])
    y = np.array([1, 0, 0, 0])
    assert metrics.ece(p, y) == pytest.approx((abs(1.8 - 1) + abs(0.2 - 0)) / 4)


def test_temperature_scaling_reduces_ece_of_overconfident_logits():
    rng = np.random.default_rng(0)
    true_logit = rng.normal(0, 1.5, size=(400, 4))
    labels = (rng.random((400, 4)) < 1 / (1 + np.exp(-true_logit))).astype(np.float32)
    raw = {"materials": true_logit * 4.0, "category": np.zeros((400, 0))}
    arrays = {"mat_targets": labels, "mat_mask": np.ones((400, 4), bool),
              "category": np.full((400, 1), -1)}
    rep = fit_temperatures(raw, arrays, np.arange(400), np.zeros(0, dtype=np.int64))
    assert rep["materials"]["temperature"] == pytest.approx(4.0, rel=0.35)
    assert rep["materials"]["ece_after"] < rep["materials"]["ece_before"]


def test_category_decoding_descends_greedily():
    vocab = CategoryVocab.from_paths([["A", "X"], ["A", "Y"], ["B"]])
    logits = np.array([[2.0, 0.0, 1.0, 0.0],   # A beats B, then A > Y beats A > X
                       [-5.0, 0.0, 9.0, 3.0]])  # B (a leaf) although A > Y is high
    probs = sibling_softmax(logits, vocab.parent)
    assert probs[0, [0, 3]].sum() == pytest.approx(1.0)
    index, conf, paths = decode_categories(probs, vocab)
    assert paths[1] == ["B"]
    assert index[1, 1] == -1
    assert paths[0] == ["A", "Y"]
    assert conf[0, 0] == pytest.approx(1 / (1 + math.exp(-2)))


def test_taxonomy_errors_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="parent 'nope'"):
        MaterialTree.from_pairs([("a", "nope")])
    with pytest.raises(ConfigError, match="duplicate"):
        MaterialTree.from_pairs([("a", ""), ("a", "")])
    with pytest.raises(ConfigError, match="cycle"):
        MaterialTree.from_pairs([("a", "b"), ("b", "a")])
    bad = tmp_path / "t.csv"
    bad.write_text("name,up\nx,\n")
    with pytest.raises(ConfigError, match="node,parent"):
        MaterialTree.from_csv(bad)
    with pytest.raises(ConfigError, match="not found"):
        MaterialTree.from_csv(tmp_path / "missing.csv")


def test_temperature_that_hurts_ece_is_not_used():
    from emma_fs.training.calibration import _keep_if_better

    kept = _keep_if_better(8.0, before=0.01, after=0.02, n=10)
    assert kept["temperature"] == 1.0 and kept["fitted_temperature"] == 8.0
    assert kept["ece_after"] == kept["ece_before"]
    assert _keep_if_better(2.0, before=0.05, after=0.01, n=10)["temperature"] == 2.0


def test_generation_deltas_signs_follow_each_column_direction():
    from emma_fs.training.evaluate import generation_deltas

    base = {"price_mnre": 0.5, "mass_mnre": 0.5, "materials_f1": 60.0, "category_acc": 80.0,
            "ratings_kl": 0.40}
    table1 = [
        {"model": "everything", "generation": 1, **base},
        {"model": "everything", "generation": 2, **base, "price_mnre": 0.6,
         "ratings_kl": 0.30, "category_acc": 70.0},
        {"model": "text", "generation": 1, **base},  # no generation 2: no row
        {"model": "baseline:global_median", "generation": 0, **base},
    ]
    (row,) = generation_deltas(table1)
    assert (row["model"], row["generation"], row["vs_generation"]) == ("everything", 2, 1)
    assert row["price_mnre"] == pytest.approx(0.1)
    assert row["ratings_kl"] == pytest.approx(0.1)  # KL fell: an improvement counts positive
    assert row["category_acc"] == pytest.approx(-10.0)
    assert row["mass_mnre"] == 0 and row["better_on"] == "2/5"


def test_filled_rows_one_record_per_generation_and_attribute():
    from emma_fs.training.evaluate import filled_rows

    rows = filled_rows([{"generation": 1, "items": 9, "price_usd_filled": 3,
                         "price_usd_mnre": 0.7, "materials_filled": 2, "materials_f1": 50.0}])
    assert rows == [
        {"gen": 1, "attribute": "price", "filled": 3, "metric": "MnRE", "value": 0.7},
        {"gen": 1, "attribute": "materials", "filled": 2, "metric": "F1", "value": 50.0}]
