"""The ratings head starts at the train prior (the mean-distribution baseline).

Cause of "no model beats the mean baseline on ratings": the few-review targets carry almost no
signal the inputs can predict, and a randomly initialised head (plus a shared learning rate)
started away from the prior and memorised train noise. An untrained head must equal the prior,
and the prior must be the constant that minimises the paper's ratings loss.
"""

import math

import numpy as np
import pytest
import torch

from emma_fs.training import losses, metrics
from emma_fs.training.decoders import Head, floored_log_probs, init_distribution_head
from emma_fs.training.pipeline import ratings_prior

torch.set_num_threads(1)


def _arrays() -> dict[str, np.ndarray]:
    ratings = np.array([[1, 0, 0, 0, 0], [0, 0, 0.5, 0.5, 0], [0, 0, 0, 0, 1],
                        [0.2, 0.2, 0.2, 0.2, 0.2], [0, 1, 0, 0, 0]], dtype=np.float32)
    return {"ratings": ratings,
            "ratings_present": np.array([True, True, True, False, True]),
            "n_reviews": np.array([1, 2, 8, 0, math.e ** 2], dtype=np.float32)}


def test_untrained_distribution_head_outputs_the_prior_for_any_input():
    torch.manual_seed(0)
    head = Head(12, 16, 5)
    prior = np.array([0.05, 0.1, 0.2, 0.3, 0.35])
    init_distribution_head(head, prior)
    probs = torch.softmax(head(torch.randn(7, 12) * 10), dim=-1)
    assert torch.allclose(probs, torch.tensor(prior, dtype=torch.float32).expand(7, 5),
                          atol=1e-6)


def test_floored_head_outputs_the_prior_and_never_less_than_the_floor():
    torch.manual_seed(0)
    head = Head(12, 16, 5)
    prior = np.array([0.05, 0.1, 0.2, 0.3, 0.35])
    init_distribution_head(head, prior, floor=0.05)
    probs = torch.softmax(floored_log_probs(head(torch.randn(7, 12) * 10), 0.05), dim=-1)
    assert torch.allclose(probs, torch.tensor(prior, dtype=torch.float32).expand(7, 5),
                          atol=1e-6)
    # a confident logit vector keeps floor / 5 on every other bin, and stays a distribution
    log_p = floored_log_probs(torch.tensor([[40.0, 0, 0, 0, 0]]), 0.05)
    assert torch.allclose(log_p.exp(), torch.tensor([[0.96, 0.01, 0.01, 0.01, 0.01]]),
                          atol=1e-6)
    # floor 0 is the plain log-softmax
    z = torch.randn(3, 5)
    assert torch.allclose(floored_log_probs(z, 0.0), torch.log_softmax(z, -1))


def test_floor_bounds_the_ratings_kl_of_a_confident_wrong_head():
    target = torch.tensor([[0.0, 0, 0, 0, 1]])
    wrong = torch.tensor([[60.0, 0, 0, 0, 0]])
    n, ok = torch.tensor([3.0]), torch.tensor([True])
    unfloored = losses.ratings_kl(wrong, target, n, ok).item()
    floored = losses.ratings_kl(floored_log_probs(wrong, 0.05), target, n, ok).item()
    assert floored == pytest.approx(math.log(100), rel=1e-5)  # -log(0.05 / 5)
    assert unfloored > 50


def test_distribution_head_still_learns_after_prior_init():
    torch.manual_seed(0)
    head = Head(4, 8, 5, dropout=0.0)
    init_distribution_head(head, np.full(5, 0.2))
    x = torch.randn(32, 4)
    target = torch.zeros(32, 5)
    target[:, 4] = 1.0
    opt = torch.optim.Adam(head.parameters(), lr=0.01)
    n = torch.full((32,), 10.0)
    ok = torch.ones(32, dtype=torch.bool)
    first = losses.ratings_kl(head(x), target, n, ok).item()
    for _ in range(50):
        opt.zero_grad()
        losses.ratings_kl(head(x), target, n, ok).backward()
        opt.step()
    assert losses.ratings_kl(head(x), target, n, ok).item() < first / 2


def test_prior_is_log_review_weighted_mean_of_present_rows():
    a = _arrays()
    prior = ratings_prior(a, np.arange(5))
    # weights ln(1)=0, ln(2), ln(8), (missing), 2
    w = np.array([0.0, math.log(2), math.log(8), 0.0, 2.0])
    expect = (a["ratings"] * w[:, None]).sum(0) / w.sum()
    assert prior == pytest.approx(expect)
    assert prior.sum() == pytest.approx(1.0)
    assert ratings_prior(a, np.array([0, 3])) is None  # n = 1 and missing: no weight


def test_prior_minimises_the_ratings_loss_and_metric_among_constants():
    a = _arrays()
    rows = np.arange(5)
    prior = ratings_prior(a, rows)
    truth = np.where(a["ratings_present"][:, None], a["ratings"], np.nan)

    def metric(p: np.ndarray) -> float:
        return metrics.ratings_kl(np.tile(p, (5, 1)), truth, a["n_reviews"])

    def loss(p: np.ndarray) -> float:
        logits = torch.log(torch.tensor(np.tile(p, (5, 1)), dtype=torch.float32).clamp_min(1e-9))
        return losses.ratings_kl(logits, torch.from_numpy(a["ratings"]),
                                 torch.from_numpy(a["n_reviews"]),
                                 torch.from_numpy(a["ratings_present"])).item()

    plain_mean = a["ratings"][a["ratings_present"]].mean(0)
    rng = np.random.default_rng(0)
    others = [plain_mean, np.full(5, 0.2)] + [
        0.7 * prior + 0.3 * rng.dirichlet(np.ones(5)) for _ in range(5)]
    for other in others:
        assert metric(prior) < metric(other)
        assert loss(prior) < loss(other) + 1e-6


def test_ratings_floor_config_is_checked():
    from emma_fs.errors import ModelError
    from emma_fs.training.models import ratings_floor

    assert ratings_floor({}) == 0.0  # older checkpoints: plain softmax
    assert ratings_floor({"ratings_floor": 0.05}) == 0.05
    for bad in (1.0, -0.1):
        with pytest.raises(ModelError, match="ratings_floor"):
            ratings_floor({"ratings_floor": bad})
