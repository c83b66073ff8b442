"""Task decoders: small MLP heads mapping a feature vector to each task's raw outputs.

Output conventions shared by every model type (what losses and prediction expect):
``price`` / ``mass`` ``[B]`` natural-log USD / kg; ``materials`` ``[B, N]`` one logit per
taxonomy node; ``category`` ``[B, C]`` one logit per category-vocabulary node (softmax taken
within sibling groups); ``ratings`` ``[B, 5]`` log-probabilities of the star distribution
(softmax of them is the prediction; with a floor ``f`` each bin gets at least ``f / 5``, see
:func:`floored_log_probs`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

TASKS = ("price", "mass", "materials", "category", "ratings")


def output_dims(n_materials: int, n_categories: int) -> dict[str, int]:
    return {"price": 1, "mass": 1, "materials": n_materials,
            "category": max(n_categories, 1), "ratings": 5}


def floored_log_probs(logits: torch.Tensor, floor: float) -> torch.Tensor:
    """``log((1 - floor) * softmax(logits) + floor / 5)``: a distribution mixed with a little
    of the uniform one, so no star bin is ever predicted (near) impossible.

    Observed rating distributions come from a handful of reviews; KL(truth || prediction)
    explodes on a bin the model put ~0 on, so an unfloored head trained on noisy few-review
    targets loses to the constant prior on held-out items. ``floor = 0`` is the plain
    log-softmax.
    """
    log_p = torch.log_softmax(logits, dim=-1)
    if floor <= 0:
        return log_p
    k = logits.shape[-1]
    return torch.logaddexp(log_p + float(np.log1p(-floor)),
                           torch.full_like(log_p, float(np.log(floor / k))))


class Head(nn.Module):
    """Two-layer MLP decoder with GELU and dropout."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, hidden), nn.GELU(),
                                 nn.Linear(hidden, out_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def init_regression_bias(head: Head, mean_log: float) -> None:
    """Start a log-value head at the train median so early ALDE is not huge."""
    with torch.no_grad():
        head.net[-1].bias.fill_(mean_log)


def init_distribution_head(head: Head, prior: np.ndarray | torch.Tensor,
                           floor: float = 0.0) -> None:
    """Make an untrained distribution head output ``prior`` exactly for every input.

    The last layer's weights are zeroed and its bias set to ``log(prior)`` (with a ``floor``,
    to the distribution that :func:`floored_log_probs` maps to ``prior``), so the model starts
    at the mean-distribution baseline and only moves away where the inputs carry signal (a
    random start adds an input-dependent offset that the few-review ratings targets are too
    noisy to remove).
    """
    p = torch.as_tensor(np.asarray(prior, dtype=np.float64))
    p = p / p.sum()
    k = p.shape[-1]
    p = ((p - floor / k) / (1.0 - floor)).clamp_min(1e-6)
    last = head.net[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.copy_(torch.log(p / p.sum()).to(last.bias.dtype))


class MultiTaskHeads(nn.Module):
    """One head per task over a shared encoder feature (Text / SingleImage models)."""

    def __init__(self, in_dim: int, hidden: int, dims: dict[str, int],
                 ratings_floor: float = 0.0) -> None:
        super().__init__()
        self.heads = nn.ModuleDict({t: Head(in_dim, hidden, d) for t, d in dims.items()})
        self.ratings_floor = ratings_floor

    def forward(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        out = {t: h(z) for t, h in self.heads.items()}
        out["price"], out["mass"] = out["price"].squeeze(-1), out["mass"].squeeze(-1)
        out["ratings"] = floored_log_probs(out["ratings"], self.ratings_floor)
        return out
