"""Review records of a chunk, vectorised: stars sampled from each product's rating
distribution, texts whose sentiment follows the stars, reviewer ids and times.

Used by the UCSD 2018 and Amazon Reviews 2023 writers (each in its own record shape).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emma_fs.sources.synth import ids
from emma_fs.sources.synth.context import ChunkContext


@dataclass
class ReviewBatch:
    listing: np.ndarray
    stars: np.ndarray
    unix_time: np.ndarray
    reviewer: np.ndarray
    votes: np.ndarray
    verified: np.ndarray
    u: np.ndarray


def sample(ctx: ChunkContext, source: int, t0: int, t1: int) -> ReviewBatch:
    """All reviews of the chunk's listings held by ``source``, times in [t0, t1) seconds."""
    c = ctx.chunk
    listings = ctx.listings_of(source)
    counts = c.l_n_reviews[listings]
    rng = np.random.default_rng([c.seed, 17 + source, c.index])
    rep = np.repeat(listings, counts)
    n = len(rep)
    cdf = np.cumsum(c.obj_rating[c.l_obj[rep]], axis=1)
    stars = (rng.random(n)[:, None] > cdf[:, :4]).sum(axis=1) + 1
    votes = np.where(rng.random(n) < 0.7, 0, rng.zipf(1.6, n).clip(1, 5000))
    return ReviewBatch(
        listing=rep, stars=stars, unix_time=rng.integers(t0, t1, n),
        reviewer=ids.reviewer_ids(rng, n), votes=votes, verified=rng.random(n) < 0.8,
        u=rng.random(n),
    )
