"""Task decoders: small MLP heads mapping a feature vector to each task's raw outputs.

Output conventions shared by every model type (what losses and prediction expect):
``price`` / ``mass`` ``[B]`` natural-log USD / kg; ``materials`` ``[B, N]`` one logit per
taxonomy node; ``category`` ``[B, C]`` one logit per category-vocabulary node (softmax taken
within sibling groups); ``ratings`` ``[B, 5]`` logits of the star distribution.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

TASKS = ("price", "mass", "materials", "category", "ratings")


def output_dims(n_materials: int, n_categories: int) -> dict[str, int]:
    return {"price": 1, "mass": 1, "materials": n_materials,
            "category": max(n_categories, 1), "ratings": 5}


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


def init_distribution_head(head: Head, prior: np.ndarray | torch.Tensor) -> None:
    """Make an untrained distribution head output ``prior`` exactly for every input.

    The last layer's weights are zeroed and its bias set to ``log(prior)``, so
    ``softmax(head(x)) == prior`` before training: the model starts at the mean-distribution
    baseline and only moves away where the inputs carry signal (a random start adds an
    input-dependent offset that the few-review ratings targets are too noisy to remove).
    """
    p = torch.as_tensor(np.asarray(prior, dtype=np.float64)).clamp_min(1e-6)
    last = head.net[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.copy_(torch.log(p / p.sum()).to(last.bias.dtype))


class MultiTaskHeads(nn.Module):
    """One head per task over a shared encoder feature (Text / SingleImage models)."""

    def __init__(self, in_dim: int, hidden: int, dims: dict[str, int]) -> None:
        super().__init__()
        self.heads = nn.ModuleDict({t: Head(in_dim, hidden, d) for t, d in dims.items()})

    def forward(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        out = {t: h(z) for t, h in self.heads.items()}
        out["price"], out["mass"] = out["price"].squeeze(-1), out["mass"].squeeze(-1)
        return out
