"""Near-duplicate search: our clustered search vs exact brute force, side by side.

Generates N clustered unit vectors with planted near-duplicates
(:func:`emma_fs.dedup.planted.planted_vectors`), runs :func:`emma_fs.dedup.search.near_pairs`
on all of them, then the exact search for a random sample of query rows against all N rows.
Reports recall of our pairs against the exact pairs of the sample, and the speed-up over an
exact all-pairs search whose time is extrapolated from the sample (N(N-1)/2 dot products vs
sample * N), or measured with --full-exact.

    nice -n 10 .venv/bin/python bench/bench_dedup.py --n 100000
    nice -n 10 .venv/bin/python bench/bench_dedup.py --n 1000000 --dim 384
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from emma_fs.dedup.planted import planted_vectors
from emma_fs.dedup.search import BLOCK_ELEMENTS, exact_pairs, near_pairs, normalise


def sample_exact(x: torch.Tensor, queries: np.ndarray, threshold: float) -> set[int]:
    """Exact pairs (as i*n+j keys, i<j) between the query rows and all rows."""
    n = len(x)
    keys: list[np.ndarray] = []
    step = max(1, BLOCK_ELEMENTS // n)
    for s in range(0, len(queries), step):
        q = torch.as_tensor(queries[s:s + step])
        hits = (x[q] @ x.T) >= threshold
        r, c = hits.nonzero(as_tuple=True)
        a, b = q[r].numpy(), c.numpy()
        keep = a != b
        lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
        keys.append(lo.astype(np.int64) * n + hi)
    return set(np.concatenate(keys).tolist()) if keys else set()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--probes", type=int, default=3)
    ap.add_argument("--sample", type=int, default=2000, help="exact-search query rows")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1 is fastest on a contended 2-core box)")
    ap.add_argument("--full-exact", action="store_true", help="also run the full exact search")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    t0 = time.perf_counter()
    x, group = planted_vectors(args.n, args.dim, seed=args.seed)
    print(f"generated {args.n:,} x {args.dim} float32 in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    ours = near_pairs(x, args.threshold, probes=args.probes, seed=args.seed)
    t_ours = time.perf_counter() - t0
    planted_share = float(np.mean(group[ours.i] == group[ours.j])) if len(ours) else 0.0
    print(f"ours: {len(ours):,} pairs >= {args.threshold} in {t_ours:.1f} s "
          f"({planted_share:.3f} of them planted duplicates)")

    xt = normalise(x)
    queries = np.random.default_rng(args.seed + 1).choice(args.n, args.sample, replace=False)
    t0 = time.perf_counter()
    exact = sample_exact(xt, queries, args.threshold)
    t_sample = time.perf_counter() - t0
    ours_keys = ours.keys(args.n)
    qset = np.zeros(args.n, dtype=bool)
    qset[queries] = True
    ours_sample = set(ours_keys[qset[ours.i] | qset[ours.j]].tolist())
    recall = len(ours_sample & exact) / max(1, len(exact))
    false_pairs = len(ours_sample - exact)
    t_exact = t_sample * (args.n - 1) / (2 * args.sample)
    print(f"exact on a sample of {args.sample:,} query rows: {len(exact):,} pairs in "
          f"{t_sample:.1f} s -> full exact extrapolated {t_exact:,.0f} s")
    if args.full_exact:
        t0 = time.perf_counter()
        full = exact_pairs(x, args.threshold)
        t_full = time.perf_counter() - t0
        full_recall = len(set(ours_keys.tolist()) & set(full.keys(args.n).tolist())) / max(
            1, len(full))
        print(f"full exact: {len(full):,} pairs in {t_full:.1f} s, recall of ours "
              f"{full_recall:.4f}, speed-up {t_full / t_ours:.1f}x (measured)")
    print(f"RESULT n={args.n} dim={args.dim} threshold={args.threshold} probes={args.probes}: "
          f"recall={recall:.4f} ({len(exact)} sample pairs, {false_pairs} not exact) "
          f"ours={t_ours:.1f}s exact~{t_exact:,.0f}s speedup={t_exact / t_ours:.1f}x")


if __name__ == "__main__":
    main()
