"""Run a trained model over rows and turn raw outputs into predictions in natural units.

:func:`raw_outputs` batches rows through ``model.forward`` (no grad) and returns numpy logits;
:func:`to_predictions` applies the calibration temperatures and decodes: price (USD) and mass
(kg) by exp, material probabilities by sigmoid, category paths by greedy descent through the
per-parent softmaxes, ratings by softmax.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import expit
from torch import nn

from emma_fs.training.hierarchy import PATH_SEP, CategoryVocab

LOG_CLIP = 50.0  # price/mass heads output natural logs; exp() of them is clipped here


@dataclass
class Predictions:
    price: np.ndarray  # USD [B]
    mass: np.ndarray  # kg [B]
    mat_probs: np.ndarray  # [B, N]
    cat_probs: np.ndarray  # [B, C] conditional on the parent
    cat_paths: list[list[str]]
    cat_index: np.ndarray  # [B, depth] predicted node per level (-1 past a leaf)
    cat_confidence: np.ndarray  # [B, depth] conditional probability of the chosen node
    ratings: np.ndarray  # [B, 5]


def raw_outputs(model: nn.Module, arrays: dict[str, np.ndarray], rows: np.ndarray,
                device: torch.device, batch_size: int = 256) -> dict[str, np.ndarray]:
    """Model outputs (logits / log values) for ``rows``, concatenated in row order."""
    model.eval()
    chunks: dict[str, list[np.ndarray]] = {}
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = model.collate(arrays, rows[start:start + batch_size])
            batch = {k: v.to(device) for k, v in batch.items()}
            for k, v in model(batch).items():
                chunks.setdefault(k, []).append(v.float().cpu().numpy())
    return {k: np.concatenate(v) for k, v in chunks.items()}


def sibling_softmax(logits: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Softmax of each node's logit within its sibling group (nodes sharing a parent)."""
    out = np.zeros_like(logits, dtype=np.float64)
    for group in np.unique(parent):  # groups are vocabulary-sized, not data-sized
        cols = np.flatnonzero(parent == group)
        z = logits[:, cols] - logits[:, cols].max(axis=1, keepdims=True)
        e = np.exp(z)
        out[:, cols] = e / e.sum(axis=1, keepdims=True)
    return out


def decode_categories(probs: np.ndarray, vocab: CategoryVocab
                      ) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """Greedy descent: best top-level node, then its best child, until a leaf."""
    n, depth = probs.shape[0], max(vocab.depth, 1)
    index = np.full((n, depth), -1, dtype=np.int64)
    conf = np.zeros((n, depth))
    current = np.full(n, -1, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    for lvl in range(depth):
        allowed = vocab.parent[None, :] == current[:, None]
        scores = np.where(allowed, probs, -1.0)
        best = scores.argmax(axis=1)
        alive &= allowed.any(axis=1)
        index[alive, lvl] = best[alive]
        conf[alive, lvl] = probs[alive, best[alive]]
        current = np.where(alive, best, -2)
    keys = np.array(vocab.keys + ("",), dtype=object)
    levels = (index >= 0).sum(axis=1)  # levels are filled from the top without gaps
    deepest = np.where(levels > 0, index[np.arange(n), np.maximum(levels - 1, 0)], -1)
    paths = [k.split(PATH_SEP) if k else [] for k in keys[deepest]]
    return index, conf, paths


def to_predictions(raw: dict[str, np.ndarray], vocab: CategoryVocab,
                   temperatures: dict[str, float] | None = None) -> Predictions:
    """Decode raw outputs, dividing classification logits by the calibration temperatures."""
    t = {"materials": 1.0, "category": 1.0, **(temperatures or {})}
    mat = expit(raw["materials"] / t["materials"])
    if len(vocab):
        cat = sibling_softmax(raw["category"] / t["category"], vocab.parent)
        index, conf, paths = decode_categories(cat, vocab)
    else:
        cat = np.zeros((len(mat), 0))
        index, conf, paths = np.full((len(mat), 1), -1), np.zeros((len(mat), 1)), \
            [[] for _ in range(len(mat))]
    r = raw["ratings"] - raw["ratings"].max(axis=1, keepdims=True)
    ratings = np.exp(r) / np.exp(r).sum(axis=1, keepdims=True)
    # log-values are clipped to e^+-50 so a diverged head gives a huge number, not inf
    return Predictions(price=np.exp(np.clip(raw["price"], -LOG_CLIP, LOG_CLIP)),
                       mass=np.exp(np.clip(raw["mass"], -LOG_CLIP, LOG_CLIP)), mat_probs=mat,
                       cat_probs=cat, cat_paths=paths, cat_index=index, cat_confidence=conf,
                       ratings=ratings)
