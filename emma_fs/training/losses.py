"""The task losses of the paper's appendix ("Losses"), with per-task masking of missing targets.

- price, mass: ALDE = |prediction - ln(truth)| (the model predicts ln(USD) / ln(kg)).
- materials: binary cross-entropy averaged over the nodes an item's label speaks about
  (``mask`` from :meth:`MaterialTree.encode`: descendants of a most-specific label and
  unlabeled items are excluded), then over labelled items. Soft targets (filled probabilities
  in generation 2) work unchanged.
- category: cross-entropy at each level of the path, computed only among the children of the
  correct parent, combined as a weighted mean with weights halving per level (the top matters
  most).
- ratings: KL(truth || prediction) of the 5-bin distribution, weighted by ln(number of
  reviews).

Every loss returns a scalar tensor and is 0 (with no gradient path through missing items) when
a batch has no target for the task; :func:`combine` forms the weighted average of the present
tasks with the Table 4 weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F  # noqa: N812

TABLE4_WEIGHTS: dict[str, float] = {
    "price": 5.0, "mass": 5.0, "materials": 140.0, "category": 1.0, "ratings": 1.0,
}


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mask = mask.to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp_min(1.0)


def alde(pred_log: torch.Tensor, target: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Mean absolute log difference over items whose target (in natural units, > 0) exists."""
    ok = present & (target > 0)
    safe = torch.where(ok, target, torch.ones_like(target))
    return _masked_mean((pred_log - torch.log(safe)).abs(), ok)


def materials_bce(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor
                  ) -> torch.Tensor:
    """Mean BCE over each item's included nodes, then over items with any included node."""
    per_node = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    m = mask.to(per_node.dtype)
    counts = m.sum(dim=1)
    per_item = (per_node * m).sum(dim=1) / counts.clamp_min(1.0)
    return _masked_mean(per_item, counts > 0)


def level_weights(depth: int) -> torch.Tensor:
    """Weights of levels 0..depth-1, halving per level (normalised per item at use)."""
    return 0.5 ** torch.arange(depth, dtype=torch.float32)


def category_ce(logits: torch.Tensor, path_idx: torch.Tensor, parent: torch.Tensor
                ) -> torch.Tensor:
    """Hierarchical cross-entropy.

    ``logits`` ``[B, C]`` over all vocabulary nodes; ``path_idx`` ``[B, L]`` the true node per
    level (-1 = no label at that level); ``parent`` ``[C]`` each node's parent (-1 = top).
    At level l the softmax runs over the nodes sharing the true node's parent only.
    """
    b, depth = path_idx.shape
    present = path_idx >= 0
    true = path_idx.clamp_min(0)
    group = parent[true]  # [B, L] the sibling group (parent id) of the true node
    in_group = parent.view(1, 1, -1) == group.unsqueeze(-1)  # [B, L, C]
    masked = logits.unsqueeze(1).masked_fill(~in_group, float("-inf"))
    log_z = torch.logsumexp(masked, dim=-1)  # [B, L]
    true_logit = logits.gather(1, true)  # [B, L]
    ce = torch.where(present, log_z - true_logit, torch.zeros_like(log_z))
    w = level_weights(depth).to(logits.device).view(1, -1) * present.to(logits.dtype)
    per_item = (ce * w).sum(dim=1) / w.sum(dim=1).clamp_min(1e-12)
    return _masked_mean(per_item, present.any(dim=1))


def ratings_kl(logits: torch.Tensor, target: torch.Tensor, n_reviews: torch.Tensor,
               present: torch.Tensor) -> torch.Tensor:
    """KL(target || softmax(logits)) per item, mean weighted by ln(n_reviews)."""
    log_p = F.log_softmax(logits, dim=-1)
    t = torch.where(present.unsqueeze(-1), target, torch.full_like(target, 0.2))
    kl = (t * (torch.log(t.clamp_min(1e-12)) - log_p)).sum(dim=-1)
    w = torch.where(present & (n_reviews > 0), torch.log(n_reviews.clamp_min(1.0)),
                    torch.zeros_like(n_reviews))
    return (kl * w).sum() / w.sum().clamp_min(1e-12)


def combine(losses: Mapping[str, torch.Tensor], present: Mapping[str, bool],
            weights: Mapping[str, float] | None = None) -> torch.Tensor:
    """Weighted average of the task losses whose task had any target in the batch."""
    weights = weights or TABLE4_WEIGHTS
    used = [t for t in losses if present.get(t, False)]
    if not used:
        return next(iter(losses.values())) * 0.0
    total = sum(weights[t] * losses[t] for t in used)
    return total / sum(weights[t] for t in used)
