"""Benchmark: one Smart Labeling active-learning round on generated embeddings.

A round is what happens between two pages of `emma-fs label active`: retrain the logistic
regression on the labels so far, score every object, and pick the next page by uncertainty
sampling among the unanswered objects. The naive reference scores objects with a plain Python
loop (per-object dot product and sigmoid); it is measured on ``--naive-rows`` objects and
scaled linearly to N when that is smaller than N (printed as such).

    .venv/bin/python bench/bench_label_round.py --n 100000
    .venv/bin/python bench/bench_label_round.py --n 1000000
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emma_fs.labeling import candidates, model  # noqa: E402
from emma_fs.labeling.dataset import LabelingData  # noqa: E402
from emma_fs.labeling.object_embedding import DEFAULT_DIM  # noqa: E402


def generate(n: int, d: int, k: int, labels: int, seed: int):
    rng = np.random.default_rng(seed)
    emb = rng.standard_normal((n, d), dtype=np.float32)
    kw = (rng.random((n, k), dtype=np.float32) < 0.05).astype(np.float32)
    w = rng.standard_normal(d).astype(np.float32)
    truth = (emb @ w / math.sqrt(d) + 2 * kw[:, 0] > 1.0).astype(np.int64)
    data = LabelingData(asins=np.arange(n).astype(str).astype(object), embedding=emb,
                        keywords=kw, patterns=[f"w{i}" for i in range(k)],
                        groups=np.arange(n), fingerprint="bench")
    rows = rng.choice(n, labels, replace=False)
    return data, rows, truth[rows]


def one_round(data, scaler, rows, y, answered, page_size):
    m = model.fit(data, rows, y, scaler=scaler)
    proba = model.score(data, m)
    exclude = answered.copy()
    page = candidates.uncertain(proba, exclude, page_size)
    return m, proba, page


def naive_scores(data, m, n_rows):
    w = m.w_embedding.tolist() + m.w_keywords.tolist()
    b = m.intercept
    out = []
    for i in range(n_rows):
        x = data.embedding[i].tolist() + data.keywords[i].tolist()
        z = b
        for wi, xi in zip(w, x, strict=True):
            z += wi * xi
        out.append(1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0))))
    return np.array(out, dtype=np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="objects")
    ap.add_argument("--dim", type=int, default=DEFAULT_DIM, help="object embedding size")
    ap.add_argument("--keywords", type=int, default=12, help="keyword features")
    ap.add_argument("--labels", type=int, default=1500, help="labels so far")
    ap.add_argument("--page-size", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--naive-rows", type=int, default=100_000,
                    help="objects scored by the naive loop (scaled to N if fewer)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    data, rows, y = generate(args.n, args.dim, args.keywords, args.labels, args.seed)
    answered = np.zeros(args.n, dtype=bool)
    answered[rows] = True
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    scaler = model.Scaler.of(data)  # once per session, not per round
    t_scaler = time.perf_counter() - t0

    times, fit_t, score_t = [], [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        m = model.fit(data, rows, y, scaler=scaler)
        t1 = time.perf_counter()
        proba = model.score(data, m)
        t2 = time.perf_counter()
        page = candidates.uncertain(proba, answered, args.page_size)
        t3 = time.perf_counter()
        times.append(t3 - t0)
        fit_t.append(t1 - t0)
        score_t.append(t2 - t1)
    ours = min(times)
    ours_score = min(score_t)

    n_naive = min(args.naive_rows, args.n)
    t0 = time.perf_counter()
    ref = naive_scores(data, m, n_naive)
    naive = (time.perf_counter() - t0) * args.n / n_naive
    np.testing.assert_allclose(ref, proba[:n_naive], atol=1e-4)
    naive_round = min(fit_t) + naive + (min(times) - min(fit_t) - ours_score)

    print(f"objects={args.n:,} dim={args.dim}+{args.keywords} labels={args.labels} "
          f"page={len(page)} (generate {t_gen:.1f}s, scaler once per session {t_scaler:.2f}s)")
    print(f"ours : round {ours:.3f}s  (fit {min(fit_t):.3f}s, score all {ours_score:.3f}s, "
          f"pick {ours - min(fit_t) - ours_score:.3f}s), best of {args.repeats}")
    scaled = "" if n_naive == args.n else f" (measured on {n_naive:,} objects, scaled to N)"
    print(f"naive: round {naive_round:.1f}s  (python-loop scoring {naive:.1f}s){scaled}")
    goal = "" if args.n < 1_000_000 else (
        f"; goal at 1M: round < 2 s -> {'met' if ours < 2 else 'NOT met'}")
    print(f"ratio: naive/ours round = {naive_round / ours:.0f}x, "
          f"scoring only = {naive / ours_score:.0f}x{goal}")


if __name__ == "__main__":
    main()
