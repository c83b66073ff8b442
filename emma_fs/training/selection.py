"""Best-epoch selection on the validation split.

Everything's AllToX decoders are independent models, so each keeps the weights of the epoch
with its own lowest validation loss (the paper trains AllToPrice, AllToMass... separately).
Text and SingleImage share one encoder: they keep the epoch with the lowest weighted total
validation loss. Validation losses are the training losses (same masks) on the validation rows.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
from torch import nn


class BestEpoch:
    """Tracks validation losses per epoch and restores the best weights at the end."""

    def __init__(self, model: nn.Module, arrays: dict[str, np.ndarray], rows: np.ndarray,
                 cat_parent: torch.Tensor, weights: dict[str, float],
                 device: torch.device) -> None:
        self.model, self.arrays, self.rows = model, arrays, rows
        self.cat_parent, self.weights, self.device = cat_parent, weights, device
        self.best: dict[str, float] = {}
        self.best_epoch: dict[str, int] = {}
        self.states: dict[str, Any] = {}

    def _losses(self) -> tuple[dict[str, float], dict[str, bool]]:
        from emma_fs.training.trainer import batch_losses

        self.model.eval()
        sums: dict[str, float] = {}
        present: dict[str, bool] = {}
        with torch.no_grad():
            for start in range(0, len(self.rows), 512):
                batch = self.model.collate(self.arrays, self.rows[start:start + 512])
                batch = {k: v.to(self.device) for k, v in batch.items()}
                task, pres = batch_losses(self.model(batch), batch, self.cat_parent)
                for t, v in task.items():
                    sums[t] = sums.get(t, 0.0) + float(v) * len(batch["price"])
                    present[t] = present.get(t, False) or pres[t]
        return {t: v / max(len(self.rows), 1) for t, v in sums.items()}, present

    def update(self, epoch: int) -> None:
        if not len(self.rows):
            return
        task, present = self._losses()
        if self.model.kind == "everything":
            for t, dec in self.model.decoders.items():
                if present[t] and task[t] < self.best.get(t, float("inf")):
                    self.best[t], self.best_epoch[t] = task[t], epoch
                    self.states[t] = copy.deepcopy(dec.state_dict())
            return
        used = [t for t in task if present[t]]
        total = sum(self.weights[t] * task[t] for t in used) / max(
            sum(self.weights[t] for t in used), 1e-12)
        if used and total < self.best.get("total", float("inf")):
            self.best["total"], self.best_epoch["total"] = total, epoch
            self.states["total"] = copy.deepcopy(self.model.state_dict())

    def restore(self) -> dict[str, int]:
        """Load the best weights; returns the chosen epoch per decoder (or ``total``)."""
        if self.model.kind == "everything":
            for t, state in self.states.items():
                self.model.decoders[t].load_state_dict(state)
        elif "total" in self.states:
            self.model.load_state_dict(self.states["total"])
        return dict(self.best_epoch)

