"""All pairs of vectors with cosine similarity >= a threshold, without an N^2 scan.

SemDeDup-style: rows are L2-normalised; spherical k-means (on a sample) splits them into ``k``
clusters; every row is stored in its nearest cluster and probes its ``probes`` nearest
clusters. Inside each cluster an exact blocked matmul compares members with members (upper
triangle) and with the rows from other clusters that probe it. Near-duplicates are much closer
to each other than to cluster borders, so a pair is missed only if neither row probes the
other's cluster. Cost ~ probes * N^2 / k + N * k dot products with k ~ sqrt(probes * N),
against N^2 / 2 for :func:`exact_pairs` (used for small inputs and as the reference).

Vectors are float32 ``[n, d]``; zero rows never match. Results are :class:`Pairs` of row
indices ``i < j`` with their similarity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emma_fs.errors import ConfigError
from emma_fs.progress import SILENT, Progress

if TYPE_CHECKING:
    import numpy as np
    import torch

BLOCK_ELEMENTS = 1 << 24  # similarity-block size (64 MB of float32)


@dataclass(frozen=True)
class Pairs:
    """Row-index pairs ``i < j`` with cosine ``sim`` >= the search threshold."""

    i: np.ndarray
    j: np.ndarray
    sim: np.ndarray

    def __len__(self) -> int:
        return len(self.i)

    def keys(self, n: int) -> np.ndarray:
        """One int64 per pair (``i * n + j``) for set comparisons."""
        return self.i.astype("int64") * n + self.j.astype("int64")


def check_threshold(threshold: float) -> None:
    if not 0.0 < threshold <= 1.0:
        raise ConfigError(f"cosine threshold must be in (0, 1], got {threshold}")


def normalise(vectors: np.ndarray, device: str = "cpu") -> torch.Tensor:
    """L2-normalised float32 rows on ``device`` (zero rows stay zero)."""
    import torch

    x = torch.as_tensor(vectors, dtype=torch.float32, device=device)
    norms = x.norm(dim=1, keepdim=True)
    return x / torch.where(norms > 0, norms, torch.ones_like(norms))


def _collect(parts_i: list, parts_j: list, parts_s: list) -> Pairs:
    """Canonicalise (i < j), drop self pairs and duplicates found from both sides."""
    import numpy as np

    if not parts_i:
        empty = np.zeros(0, np.int64)
        return Pairs(empty, empty.copy(), np.zeros(0, np.float32))
    i = np.concatenate(parts_i)
    j = np.concatenate(parts_j)
    s = np.concatenate(parts_s)
    a, b = np.minimum(i, j), np.maximum(i, j)
    keep = a != b
    a, b, s = a[keep], b[keep], s[keep]
    n = int(b.max()) + 1 if len(b) else 1
    _, first = np.unique(a * n + b, return_index=True)
    return Pairs(a[first], b[first], s[first])


def _block_pairs(q: torch.Tensor, q_ids: torch.Tensor, m: torch.Tensor, m_ids: torch.Tensor,
                 threshold: float, out: tuple[list, list, list], *, upper: bool = False) -> None:
    """Append pairs between rows ``q`` and ``m`` above threshold (``upper``: q is m, i < j).

    Pairs are rare, so each similarity block is first reduced to its row maxima and only the
    rows holding a hit are scanned for positions.
    """
    import torch

    step = max(1, BLOCK_ELEMENTS // max(1, len(m)))
    for start in range(0, len(q), step):
        sims = q[start:start + step] @ m.T
        if upper:  # a row never pairs with itself
            diag = torch.arange(len(sims), device=sims.device)
            sims[diag, diag + start] = -2.0
        rows = torch.nonzero(sims.amax(dim=1) >= threshold).squeeze(1)
        if not len(rows):
            continue
        r, c = torch.nonzero(sims[rows] >= threshold, as_tuple=True)
        r = rows[r]
        if upper:
            keep = c > r + start
            r, c = r[keep], c[keep]
        out[0].append(q_ids[start:start + step][r].cpu().numpy())
        out[1].append(m_ids[c].cpu().numpy())
        out[2].append(sims[r, c].float().cpu().numpy())


def exact_pairs(vectors: np.ndarray, threshold: float, *, device: str = "cpu",
                progress: Progress = SILENT, block: int = 4096) -> Pairs:
    """Reference search: every pair, blocked matmul over the upper triangle."""
    import torch

    check_threshold(threshold)
    x = normalise(vectors, device)
    ids = torch.arange(len(x), device=x.device)
    out: tuple[list, list, list] = ([], [], [])
    starts = range(0, len(x), block)
    with progress.task("exact pair search", total=len(starts)) as handle:
        for start in starts:
            q = x[start:start + block]
            q_ids = ids[start:start + block]
            _block_pairs(q, q_ids, q, q_ids, threshold, out, upper=True)
            if start + block < len(x):
                _block_pairs(q, q_ids, x[start + block:], ids[start + block:], threshold, out)
            handle.advance(1)
    return _collect(*out)


def kmeans(x: torch.Tensor, k: int, *, iterations: int = 8, sample_size: int | None = None,
           seed: int = 0) -> torch.Tensor:
    """Spherical k-means on a random sample of the normalised rows; unit centroids [k, d]."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    n = len(x)
    sample_size = min(n, sample_size or max(20 * k, 10_000))
    sample = x[torch.randperm(n, generator=gen)[:sample_size].to(x.device)]
    centroids = sample[torch.randperm(sample_size, generator=gen)[:k].to(x.device)].clone()
    for _ in range(iterations):
        labels = nearest_clusters(sample, centroids, 1)[:, 0]
        sums = torch.zeros_like(centroids).index_add_(0, labels, sample)
        counts = torch.bincount(labels, minlength=k)
        empty = counts == 0
        if empty.any():  # re-seed empty clusters with random sample rows
            pick = torch.randint(0, sample_size, (int(empty.sum()),), generator=gen)
            sums[empty] = sample[pick.to(x.device)]
        centroids = sums / sums.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return centroids


def nearest_clusters(x: torch.Tensor, centroids: torch.Tensor, probes: int,
                     block: int = 65536) -> torch.Tensor:
    """Indices of each row's ``probes`` most similar centroids, best first [n, probes]."""
    import torch

    parts = [torch.topk(x[s:s + block] @ centroids.T, probes, dim=1).indices
             for s in range(0, len(x), block)]
    return torch.cat(parts) if parts else torch.zeros((0, probes), dtype=torch.int64)


def default_clusters(n: int, probes: int) -> int:
    """k ~ sqrt(probes * n) balances in-cluster search against assignment."""
    return max(1, int(math.sqrt(probes * n)))


def near_pairs(vectors: np.ndarray, threshold: float, *, probes: int = 3,
               n_clusters: int | None = None, min_rows_for_clustering: int = 20_000,
               device: str = "cpu", seed: int = 0, progress: Progress = SILENT) -> Pairs:
    """All pairs with cosine >= ``threshold`` (exact below ``min_rows_for_clustering`` rows,
    clustered above; recall of the clustered search is ~1 for near-duplicates)."""
    import numpy as np
    import torch

    check_threshold(threshold)
    if probes < 1:
        raise ConfigError(f"probes must be >= 1, got {probes}")
    n = len(vectors)
    k = n_clusters or default_clusters(n, probes)
    if n < min_rows_for_clustering or k <= probes:
        return exact_pairs(vectors, threshold, device=device, progress=progress)
    x = normalise(vectors, device)
    progress.info(f"clustering {n:,} vectors into {k:,} clusters")
    centroids = kmeans(x, k, seed=seed)
    top = nearest_clusters(x, centroids, probes)
    primary = top[:, 0]
    members = torch.argsort(primary, stable=True)
    bounds = np.r_[0, torch.bincount(primary, minlength=k).cumsum(0).cpu().numpy()]
    probe_rows = torch.arange(n, device=x.device).repeat_interleave(probes - 1)
    probe_clusters = top[:, 1:].reshape(-1)
    order = torch.argsort(probe_clusters, stable=True)
    probe_rows = probe_rows[order]
    probe_bounds = np.r_[0, torch.bincount(probe_clusters, minlength=k).cumsum(0).cpu().numpy()]
    x_sorted = x[members]  # each cluster's members become one contiguous slice
    out: tuple[list, list, list] = ([], [], [])
    with progress.task("pair search in clusters", total=k) as handle:
        for c in range(k):
            m_ids = members[bounds[c]:bounds[c + 1]]
            if len(m_ids):
                m = x_sorted[bounds[c]:bounds[c + 1]]
                _block_pairs(m, m_ids, m, m_ids, threshold, out, upper=True)
                q_ids = probe_rows[probe_bounds[c]:probe_bounds[c + 1]]
                if len(q_ids):
                    _block_pairs(x[q_ids], q_ids, m, m_ids, threshold, out)
            handle.advance(1)
    return _collect(*out)
