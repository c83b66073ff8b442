"""Losses against hand-computed values, including every masking rule of the appendix."""

import math

import numpy as np
import pytest
import torch

from emma_fs.training import losses
from emma_fs.training.hierarchy import CategoryVocab, MaterialTree

torch.set_num_threads(1)
LN2 = math.log(2)

TREE = MaterialTree.from_pairs([("metal", ""), ("steel", "metal"), ("aluminum", "metal"),
                                ("wood", "")])


def test_alde_is_mean_abs_log_difference_over_present_items():
    pred = torch.tensor([math.log(2.0), 0.0, 123.0])
    target = torch.tensor([1.0, 1.0, float("nan")])
    present = torch.tensor([True, True, False])
    assert losses.alde(pred, target, present).item() == pytest.approx(LN2 / 2)


def test_alde_ignores_non_positive_targets_and_is_zero_without_targets():
    pred = torch.tensor([1.0, 2.0], requires_grad=True)
    assert losses.alde(pred, torch.tensor([0.0, -1.0]), torch.tensor([True, True])).item() == 0
    loss = losses.alde(pred, torch.tensor([math.e, 1.0]), torch.tensor([True, False]))
    assert loss.item() == pytest.approx(0.0)  # ln(e) = 1 = prediction


def test_materials_bce_excludes_descendants_of_internal_label_and_unlabelled_items():
    targets, mask = TREE.encode([["metal"], ["steel"], None])
    # metal labelled: steel/aluminum excluded; steel labelled: metal implied, all 4 included
    assert mask.tolist() == [[True, False, False, True], [True, True, True, True],
                             [False] * 4]
    assert targets[1].tolist() == [1, 1, 0, 0]
    logits = torch.zeros(3, 4)
    logits[0, 1:3] = 50.0  # excluded: would cost a lot if counted
    logits[1, 2] = math.log(3)  # aluminum p=0.75, target 0 -> BCE ln 4
    logits[2] = -50.0  # unlabelled item: ignored
    loss = losses.materials_bce(logits, torch.from_numpy(targets), torch.from_numpy(mask))
    expected = (LN2 + (LN2 + LN2 + math.log(4) + LN2) / 4) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_materials_soft_targets_are_accepted():
    loss = losses.materials_bce(torch.zeros(1, 2), torch.tensor([[0.5, 0.5]]),
                                torch.ones(1, 2, dtype=torch.bool))
    assert loss.item() == pytest.approx(LN2, rel=1e-6)


def _vocab() -> CategoryVocab:
    return CategoryVocab.from_paths([["A", "X"], ["A", "Y"], ["B", "Z"]])


def test_category_ce_counts_only_children_of_the_correct_parent_weighted_to_the_top():
    vocab = _vocab()
    assert vocab.keys == ("A", "A > X", "A > Y", "B", "B > Z")
    idx = torch.from_numpy(vocab.encode([["A", "X"], ["B"], None]))
    parent = torch.from_numpy(vocab.parent)
    logits = torch.zeros(3, 5)
    logits[0, 0] = math.log(3)  # level 0: p(A) = 3/4 among {A, B}
    logits[0, 4] = 40.0  # B > Z is not a sibling of A > X: must not count at level 1
    logits[2] = 99.0  # no label: ignored
    item0 = (math.log(4 / 3) * 1.0 + LN2 * 0.5) / 1.5
    item1 = LN2  # path [B]: only level 0, p(B) = 1/2
    loss = losses.category_ce(logits, idx, parent)
    assert loss.item() == pytest.approx((item0 + item1) / 2, rel=1e-5)


def test_ratings_kl_weighted_by_log_reviews_and_masked():
    target = torch.tensor([[1.0, 0, 0, 0, 0], [0.2] * 5, [0, 0, 0, 0, 1.0], [1.0, 0, 0, 0, 0]])
    n = torch.tensor([math.e, math.e ** 2, 1.0, 50.0])
    present = torch.tensor([True, True, True, False])
    # item 2 has one review: ln 1 = 0 weight; item 3 has no distribution
    loss = losses.ratings_kl(torch.zeros(4, 5), target, n, present)
    assert loss.item() == pytest.approx(math.log(5) / 3, rel=1e-5)


def test_combine_is_weighted_average_of_present_tasks_with_table4_defaults():
    task = {"price": torch.tensor(1.0), "mass": torch.tensor(3.0),
            "materials": torch.tensor(0.5), "category": torch.tensor(7.0),
            "ratings": torch.tensor(100.0)}
    present = {"price": True, "mass": True, "materials": True, "category": True,
               "ratings": False}
    expected = (5 * 1 + 5 * 3 + 140 * 0.5 + 1 * 7) / (5 + 5 + 140 + 1)
    assert losses.combine(task, present).item() == pytest.approx(expected)
    assert losses.combine(task, {k: False for k in task}).item() == 0.0


def test_gradients_do_not_flow_into_masked_items():
    logits = torch.zeros(2, 4, requires_grad=True)
    targets, mask = TREE.encode([["steel"], None])
    losses.materials_bce(logits, torch.from_numpy(targets), torch.from_numpy(mask)).backward()
    assert np.allclose(logits.grad[1].numpy(), 0)
    assert logits.grad[0].abs().sum() > 0
