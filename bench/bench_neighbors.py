"""Neighbour search latency and recall through the LanceDB online store.

Generates N clustered unit vectors (384-d), loads them into a feature view of the online store
(the same write path as `emma-fs materialize --full`), builds the ANN index the store picks for
that size, then times `Searcher.neighbors` (vector point lookup + ANN search + self-exclusion)
for random ASINs and compares each top-k with an exact numpy search (recall@k). The exact
search's latency is printed beside ours, measured in the same run.

    .venv/bin/python bench/bench_neighbors.py --n 100000
    .venv/bin/python bench/bench_neighbors.py --n 1000000 --queries 200
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa


def clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors around sqrt(n) cluster centres (a realistic shape for text embeddings)."""
    rng = np.random.default_rng(seed)
    n_clusters = max(8, int(np.sqrt(n)))
    centres = rng.normal(size=(n_clusters, dim)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        labels = rng.integers(0, n_clusters, size=m)
        block = centres[labels] + 0.6 * rng.normal(size=(m, dim)).astype(np.float32)
        out[start:start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def make_store(root: Path, dim: int, index_type: str, nprobes: int):
    from feast import Entity, FeatureStore, FeatureView, Field, FileSource, RepoConfig
    from feast.types import Array, Float32, Float64
    from feast.value_type import ValueType

    config = RepoConfig(
        project="bench", provider="local", repo_path=str(root),
        registry=str(root / "registry.db"), offline_store={"type": "duckdb"},
        online_store={"type": "emma_fs.store.lancedb_online_store.LanceDBOnlineStore",
                      "path": "online", "index_type": index_type, "nprobes": nprobes},
        entity_key_serialization_version=3)
    fs = FeatureStore(config=config)
    product = Entity(name="product", join_keys=["asin"], value_type=ValueType.STRING)
    view = FeatureView(
        name="text_embedding", entities=[product], ttl=timedelta(0),
        source=FileSource(path=str(root / "none.parquet"), timestamp_field="event_timestamp"),
        schema=[Field(name="vector", dtype=Array(Float32), vector_index=True, vector_length=dim,
                      vector_search_metric="cosine"),
                Field(name="price_usd", dtype=Float64)])
    fs.apply([product, view])
    return fs, fs.get_feature_view("text_embedding")


def store_indices(store, fs, view) -> list:
    """The index configs of the view's Lance table."""
    from emma_fs.store import tables
    from emma_fs.store.schema import layout

    table = tables.open_existing(store._db(fs.config), layout(fs.config.project, view))
    return list(table.list_indices())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--index", default="auto", help="auto|IVF_FLAT|IVF_HNSW_SQ|none")
    parser.add_argument("--nprobes", type=int, default=20, help="IVF partitions searched")
    parser.add_argument("--reuse", action="store_true",
                        help="query the table a previous run of the same --n left behind")
    parser.add_argument("--out", type=Path, default=Path("bench/out/neighbors"))
    args = parser.parse_args()

    from emma_fs.features.neighbors import Searcher

    root = args.out / f"n{args.n}"
    reuse = args.reuse and (root / "online").exists()
    if not reuse:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
    t = time.perf_counter()
    vectors = clustered(args.n, args.dim, seed=0)
    keys = np.array([f"B{i:09d}" for i in range(args.n)])
    print(f"generated {args.n} x {args.dim} clustered vectors in {time.perf_counter() - t:.1f}s")

    fs, view = make_store(root, args.dim, args.index, args.nprobes)
    store = fs._get_provider().online_store
    if reuse:
        actions = [str(i.index_type) for i in store_indices(store, fs, view)]
        print(f"reusing {store.online_count(fs.config, view)} rows, indexes {actions}")
    else:
        now = datetime.now(UTC)
        t = time.perf_counter()
        step = 100_000
        for start in range(0, args.n, step):
            block = vectors[start:start + step]
            table = pa.table({
                "asin": keys[start:start + step],
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(block.ravel()), args.dim),
                "price_usd": np.arange(start, start + len(block), dtype=np.float64) % 100,
                "event_ts": pa.array([now] * len(block), pa.timestamp("us", tz="UTC"))})
            store.write_arrow(fs.config, view, table,
                              mode="replace" if start == 0 else "append", maintain=False)
        write_s = time.perf_counter() - t
        t = time.perf_counter()
        actions = store.maintain_indexes(fs.config, view, args.n)
        build_s = time.perf_counter() - t
        print(f"write {write_s:.1f}s ({args.n / write_s:,.0f} rows/s); index {actions} "
              f"built in {build_s:.1f}s")

    searcher = Searcher(fs, view)
    rng = np.random.default_rng(1)
    picks = rng.choice(args.n, size=args.queries, replace=False)
    for q in picks[:5]:  # warm the index cache
        searcher.neighbors(str(keys[q]), args.k)
    ours, results = [], []
    for q in picks:  # timed alone: an exact scan in between would flush the CPU caches
        t = time.perf_counter()
        results.append(searcher.neighbors(str(keys[q]), args.k))
        ours.append((time.perf_counter() - t) * 1000)
    exact_ms, recalls = [], []
    for q, got in zip(picks, results, strict=True):
        t = time.perf_counter()
        dist = 1.0 - vectors @ vectors[q]
        dist[q] = np.inf
        top = np.argpartition(dist, args.k)[:args.k]
        exact_ms.append((time.perf_counter() - t) * 1000)
        recalls.append(len({r["asin"] for r in got} & set(keys[top])) / args.k)
    p50, p99 = np.percentile(ours, [50, 99])
    e50 = float(np.percentile(exact_ms, 50))
    print(f"n={args.n} dim={args.dim} queries={args.queries} k={args.k} index={actions} "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"neighbors latency p50 {p50:.2f} ms, p99 {p99:.2f} ms, min {np.min(ours):.2f} ms; "
          f"recall@{args.k} {np.mean(recalls):.4f} (min {np.min(recalls):.2f})")
    print(f"exact numpy search p50 {e50:.2f} ms -> ours is {e50 / p50:.1f}x faster at p50 "
          f"(nprobes {args.nprobes})")


if __name__ == "__main__":
    main()
