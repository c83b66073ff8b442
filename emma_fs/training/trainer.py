"""The training loop of the appendix "Training Details".

AdamW with per-decoder (Everything) or head/encoder parameter groups, gradients clipped at
``grad_clip`` (32), learning rate decayed by ``lr_decay`` (100x) over training (cosine or
exponential, per step), encoder frozen for the first ``freeze_encoder_epochs`` epochs (then
only its top ``trainable_layers`` / ``trainable_blocks`` train; -1 = all), task losses combined
as a weighted average with the Table 4 weights, missing targets masked per task, bf16 autocast
on CUDA. Batches are built on the CPU by ``model.collate``; the time spent there is reported as
the data-wait fraction. While the encoder is frozen its features are computed once and cached
(``cache_frozen_features``, default on), so extra frozen epochs only cost the heads.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from emma_fs.errors import ConfigError
from emma_fs.progress import Progress
from emma_fs.training import losses
from emma_fs.training.models import targets_batch
from emma_fs.training.selection import BestEpoch


def resolve_device(device: str) -> torch.device:
    """``auto`` picks CUDA when available; asking for ``cuda`` without one is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda but no CUDA device is available",
                          hint="use --device auto or cpu")
    if device not in ("cpu", "cuda"):
        raise ConfigError(f"unknown device {device!r}", hint="use auto, cpu or cuda")
    return torch.device(device)


def lr_factor(step: int, total: int, decay: float, schedule: str) -> float:
    """Multiplier of the initial learning rate: 1 at step 0, 1/decay at the last step."""
    frac = min(step / max(total - 1, 1), 1.0)
    if schedule == "exponential":
        return decay ** (-frac)
    if schedule == "cosine":
        low = 1.0 / decay
        return low + (1.0 - low) * 0.5 * (1.0 + math.cos(math.pi * frac))
    raise ConfigError(f"unknown lr schedule {schedule!r}", hint="use cosine or exponential")


def batch_losses(out: dict[str, torch.Tensor], batch: dict[str, torch.Tensor],
                 cat_parent: torch.Tensor) -> tuple[dict[str, torch.Tensor], dict[str, bool]]:
    """Every task's masked loss and whether the batch had any target for it."""
    out = {k: v.float() for k, v in out.items()}
    cat_present = bool((batch["category"] >= 0).any()) and len(cat_parent) > 0
    task = {
        "price": losses.alde(out["price"], batch["price"], batch["price_present"]),
        "mass": losses.alde(out["mass"], batch["mass"], batch["mass_present"]),
        "materials": losses.materials_bce(out["materials"], batch["mat_targets"],
                                          batch["mat_mask"]),
        "category": losses.category_ce(out["category"], batch["category"], cat_parent)
        if cat_present else out["category"].sum() * 0.0,
        "ratings": losses.ratings_kl(out["ratings"], batch["ratings"], batch["n_reviews"],
                                     batch["ratings_present"]),
    }
    present = {
        "price": bool(batch["price_present"].any()), "mass": bool(batch["mass_present"].any()),
        "materials": bool(batch["mat_mask"].any()), "category": cat_present,
        "ratings": bool((batch["ratings_present"] & (batch["n_reviews"] > 1)).any()),
    }
    return task, present


def _param_groups(model: nn.Module, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    if model.kind == "everything":
        groups = [{"params": list(model.decoders[t].parameters()), "lr": cfg[t]["lr"],
                   "weight_decay": cfg[t]["weight_decay"], "epochs": int(cfg[t]["epochs"])}
                  for t in model.decoders]
        groups.append({"params": list(model.type_emb.parameters()),
                       "lr": cfg["category"]["lr"], "weight_decay": 0.0})
        return groups
    top = int(cfg.get("trainable_layers", cfg.get("trainable_blocks", -1)))
    enc = model.encoder_parameters(top)
    keep = {id(p) for p in enc} | {id(p) for p in model.heads.parameters()}
    for p in model.parameters():  # encoder layers below the top never train
        if id(p) not in keep:
            p.requires_grad_(False)
    # the ratings head may have its own lr / weight decay: its few-review targets are noisy
    # and a shared-rate head memorises them (it starts at the prior, see decoders)
    rat = set(map(id, model.heads.heads["ratings"].parameters()))
    return [{"params": [p for p in model.heads.parameters() if id(p) not in rat],
             "lr": cfg["lr"], "weight_decay": cfg["weight_decay"]},
            {"params": list(model.heads.heads["ratings"].parameters()),
             "lr": float(cfg.get("ratings_lr", cfg["lr"])),
             "weight_decay": float(cfg.get("ratings_weight_decay", cfg["weight_decay"]))},
            {"params": enc, "lr": cfg["lr"], "weight_decay": cfg["weight_decay"],
             "is_encoder": True}]


def _encode_rows(model: nn.Module, arrays: dict[str, np.ndarray], rows: np.ndarray,
                 device: torch.device, batch_size: int) -> torch.Tensor:
    """Frozen-encoder features of ``rows`` (in order), computed once."""
    model.eval()
    out = []
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16,
                                         enabled=device.type == "cuda"):
        for start in range(0, len(rows), batch_size):
            batch = model.collate(arrays, rows[start:start + batch_size])
            out.append(model.features({k: v.to(device) for k, v in batch.items()}).float())
    return torch.cat(out) if out else torch.zeros(0)


@dataclass
class FitStats:
    epochs: int = 0
    steps: int = 0
    samples: int = 0
    seconds: float = 0.0
    data_seconds: float = 0.0
    val_seconds: float = 0.0
    loss_history: list[float] = field(default_factory=list)
    best_epochs: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "steps": self.steps, "samples": self.samples,
                "seconds": round(self.seconds, 3),
                "samples_per_s": round(self.samples / max(self.seconds, 1e-9), 2),
                "data_wait_fraction": round(self.data_seconds / max(self.seconds, 1e-9), 4),
                "validation_seconds": round(self.val_seconds, 3),
                "best_epochs": self.best_epochs,
                "loss_history": [round(x, 5) for x in self.loss_history]}


def fit(model: nn.Module, arrays: dict[str, np.ndarray], rows: np.ndarray,
        cfg: dict[str, Any], device: torch.device, progress: Progress,
        cat_parent: np.ndarray, max_steps: int | None = None,
        val_rows: np.ndarray | None = None) -> FitStats:
    """Train ``model`` in place on ``rows``; with ``val_rows`` and ``select_best_epoch``, keep
    the best epoch's weights (see :mod:`selection`). Everything's decoders each train for their
    own ``epochs`` (then their learning rate is 0). Returns throughput and loss statistics
    (validation time is excluded from the throughput)."""
    torch.manual_seed(int(cfg.get("seed", 0)))
    rng = np.random.default_rng(int(cfg.get("seed", 0)))
    model.to(device)
    groups = _param_groups(model, cfg)
    for g in groups:
        g["initial_lr"] = g["lr"]
    opt = torch.optim.AdamW(groups)
    bs, epochs = int(cfg["batch_size"]), int(cfg["epochs"])
    per_epoch = max(math.ceil(len(rows) / bs), 1)
    total = per_epoch * epochs if max_steps is None else min(per_epoch * epochs, max_steps)
    parent_t = torch.as_tensor(cat_parent, dtype=torch.long, device=device)
    weights = cfg.get("task_weights") or losses.TABLE4_WEIGHTS
    use_amp = device.type == "cuda"
    stats = FitStats()
    selector = BestEpoch(model, arrays, val_rows if val_rows is not None else rows[:0],
                         parent_t, dict(weights), device)
    freeze_epochs = int(cfg.get("freeze_encoder_epochs", 1))
    select = bool(cfg.get("select_best_epoch", False)) and val_rows is not None
    cache: torch.Tensor | None = None
    position = np.zeros(int(rows.max()) + 1 if len(rows) else 0, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    start = time.perf_counter()
    with progress.task(f"train {model.kind}", total=total) as bar:
        for epoch in range(epochs):
            frozen = epoch < freeze_epochs
            for g in opt.param_groups:
                if g.get("is_encoder"):
                    for p in g["params"]:
                        p.requires_grad_(not frozen)
            model.train()
            if hasattr(model, "encoder"):
                model.encoder.eval()  # frozen norm statistics and no encoder dropout
            if hasattr(model, "backbone"):
                model.backbone.eval()
            cached = frozen and hasattr(model, "features") and bool(
                cfg.get("cache_frozen_features", True))
            if cached and cache is None:
                cache = _encode_rows(model, arrays, rows, device, bs)
            order = rng.permutation(rows)
            epoch_loss = []
            for b in range(per_epoch):
                if stats.steps >= total:
                    break
                t0 = time.perf_counter()
                chunk = order[b * bs:(b + 1) * bs]
                if cached:
                    batch = targets_batch(arrays, chunk)
                    batch["cached"] = cache[position[chunk]]
                else:
                    batch = model.collate(arrays, chunk)
                batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
                stats.data_seconds += time.perf_counter() - t0
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                    out = model(batch)
                task, present = batch_losses(out, batch, parent_t)
                loss = losses.combine(task, present, weights)
                opt.zero_grad(set_to_none=True)
                if loss.requires_grad:
                    loss.backward()
                    nn.utils.clip_grad_norm_(model.parameters(), float(cfg["grad_clip"]))
                    opt.step()
                stats.steps += 1
                stats.samples += len(batch["price"])
                for g in opt.param_groups:  # AllToX decoders: each its own epochs (Table 5)
                    own = min(total, per_epoch * g.get("epochs", epochs))
                    g["lr"] = 0.0 if stats.steps >= own else g["initial_lr"] * lr_factor(
                        stats.steps, own, float(cfg["lr_decay"]),
                        str(cfg.get("schedule", "cosine")))
                epoch_loss.append(float(loss.detach()))
                bar.advance(1)
            stats.epochs = epoch + 1
            stats.loss_history.append(float(np.mean(epoch_loss)) if epoch_loss else 0.0)
            last = stats.steps >= total or epoch == epochs - 1
            # encoder models validate once frozen training ends and after every later epoch
            if select and (model.kind == "everything" or not frozen
                           or epoch == freeze_epochs - 1 or last):
                t_val = time.perf_counter()
                selector.update(epoch)
                stats.val_seconds += time.perf_counter() - t_val
            if stats.steps >= total:
                break
    stats.best_epochs = selector.restore()
    if device.type == "cuda":
        torch.cuda.synchronize()
    stats.seconds = time.perf_counter() - start - stats.val_seconds
    return stats
