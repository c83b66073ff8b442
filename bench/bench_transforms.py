"""Benchmark the EMMa SQL transform chain: synth (no images) + ingest, then the whole chain
(`listings`, `decisions` and every summary) through the transform engine, then a no-change rerun.

    .venv/bin/python bench/bench_transforms.py --objects 100000 [--seed 0] [--keep DIR]

Prints wall times, raw rows/s of the full run, and the no-change rerun time as a ratio of the
full run (ours vs the physical floor of doing nothing is the point: a rerun should be ~free).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGETS = ["listings", "decisions", "dedup_decisions", "category_nodes", "dataset_coverage",
           "split_counts", "materials_unmatched", "review_texts", "cleaning_report"]
RAW_TABLES = ["raw_ucsd2018_meta", "raw_ucsd2018_reviews", "raw_amazon2023_meta",
              "raw_amazon2023_reviews", "raw_spapi_items", "raw_image2mass"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None,
                        help="work folder to keep (default: a temporary folder, removed)")
    args = parser.parse_args()

    import duckdb

    from emma_fs.sources.ingest import ingest
    from emma_fs.sources.synth import generate
    from emma_fs.transforms.engine import Engine
    from emma_fs.workspace import SHIPPED_SQL_DIR

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_transforms_"))
    work.mkdir(parents=True, exist_ok=True)
    raw_dir = work / "raw"
    try:
        t0 = time.perf_counter()
        generate(raw_dir, args.objects, seed=args.seed, images="none")
        t_synth = time.perf_counter() - t0

        con = duckdb.connect(str(work / "emma.duckdb"))
        t0 = time.perf_counter()
        ingest(con, raw_dir)
        t_ingest = time.perf_counter() - t0
        raw_rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in RAW_TABLES)

        engine = Engine(con, SHIPPED_SQL_DIR)
        t0 = time.perf_counter()
        result = engine.run(names=TARGETS)
        t_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        rerun = engine.run(names=TARGETS)
        t_rerun = time.perf_counter() - t0

        cur = con.cursor()
        listings = cur.execute("SELECT count(*) FROM listings").fetchone()[0]
        dropped = cur.execute("SELECT count(DISTINCT asin) FROM decisions").fetchone()[0]
        slowest = sorted(result.steps, key=lambda s: -s.seconds)[:6]
        print(f"objects                 {args.objects:>12,}")
        print(f"raw rows                {raw_rows:>12,}")
        print(f"synth (images none)     {t_synth:>11.1f}s")
        print(f"ingest                  {t_ingest:>11.1f}s")
        print(f"transforms, full run    {t_full:>11.1f}s  ({len(result.steps)} built, "
              f"{raw_rows / t_full:,.0f} raw rows/s)")
        print(f"transforms, no change   {t_rerun:>11.2f}s  ({len(rerun.steps)} rebuilt)")
        print(f"rerun / full ratio      {t_rerun / t_full:>12.4f}")
        print(f"listings kept           {listings:>12,}   dropped ASINs {dropped:,}")
        print("slowest transforms      " + ", ".join(f"{s.name} {s.seconds:.1f}s" for s in slowest))
        cur.close()
        con.close()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
