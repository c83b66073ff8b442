"""Benchmark the transform engine's own cost, side by side in one run on one DuckDB file:

    .venv/bin/python bench/bench_transform_engine.py --size 1000000

A chain of 4 transforms (clean -> per-code aggregates -> join back -> top rows, with audits)
over a generated raw table of --size rows. Printed ratios:
- engine full run / the same 4 queries run as plain CREATE TABLE AS (naive: no versions, no
  state, no audits): the price of versioning, audits and the run log; and the same without
  audits (versioning and bookkeeping alone);
- no-op rerun / full run: a rerun with nothing changed should be ~free (plan only);
- rollback (pointer swap) / rebuilding that version: rollback should not depend on data size;
- change of the last transform only / full run: only what changed is rebuilt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHAIN = {
    "clean": "-- audit: not_null(id)\n-- audit: unique(id)\n"
             "SELECT id, lower(code) AS code, price * 1.1 AS price_usd FROM raw_items "
             "WHERE price > 0",
    "by_code": "-- audit: unique(code)\nSELECT code, avg(price_usd) AS mean_price, count(*) AS n "
               "FROM clean GROUP BY code",
    "scored": "-- audit: relationships(code -> by_code.code)\n"
              "SELECT c.id, c.code, c.price_usd / b.mean_price AS rel_price "
              "FROM clean AS c JOIN by_code AS b USING (code)",
    "top": "SELECT * FROM scored WHERE rel_price > 1.5",
}


def timed(fn) -> float:  # noqa: ANN001
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()

    from emma_fs import db
    from emma_fs.transforms.engine import Engine

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        sql = tmp_path / "sql"
        sql.mkdir()
        for name, text in CHAIN.items():
            (sql / f"{name}.sql").write_text(text)
        con = db.connect(tmp_path / "bench.duckdb")
        con.execute("CREATE TABLE raw_items AS SELECT range AS id, 'C' || (range % 997) AS code,"
                    f" (hash(range) % 10000) / 100.0 AS price FROM range({args.size})")
        db.set_source_version(con, "raw_items", "v1")

        def naive() -> None:
            con.execute("CREATE SCHEMA IF NOT EXISTS naive")
            for name, text in CHAIN.items():
                body = "\n".join(x for x in text.splitlines() if not x.startswith("--"))
                for other in CHAIN:
                    body = body.replace(f"FROM {other}", f"FROM naive.{other}")
                    body = body.replace(f"JOIN {other}", f"JOIN naive.{other}")
                con.execute(f"CREATE OR REPLACE TABLE naive.{name} AS {body}")

        engine = Engine(con, sql)
        t_naive = timed(naive)
        t_full = timed(engine.run)
        t_naive2 = timed(naive)  # second naive run: both sides with warm caches
        t_noop = timed(engine.run)
        (sql / "top.sql").write_text(CHAIN["top"].replace("1.5", "1.4"))
        t_leaf = timed(engine.run)
        t_rollback = timed(lambda: engine.rollback("top"))
        t_rebuild_top = t_leaf
        rows = con.execute("SELECT count(*) FROM top").fetchone()[0]
        con.close()

        # the same chain without audits, on a second database file with the same data
        bare = tmp_path / "sql_bare"
        bare.mkdir()
        for name, text in CHAIN.items():
            body = "\n".join(x for x in text.splitlines() if not x.startswith("--"))
            (bare / f"{name}.sql").write_text(body)
        con = db.connect(tmp_path / "bare.duckdb")
        con.execute("CREATE TABLE raw_items AS SELECT range AS id, 'C' || (range % 997) AS code,"
                    f" (hash(range) % 10000) / 100.0 AS price FROM range({args.size})")
        db.set_source_version(con, "raw_items", "v1")
        t_bare = timed(Engine(con, bare).run)
        con.close()

    naive_t = min(t_naive, t_naive2)
    print(f"size={args.size:,} rows, 4 transforms, {rows:,} rows in top")
    print(f"naive CREATE TABLE AS chain : {naive_t:8.3f} s")
    print(f"engine full run             : {t_full:8.3f} s   ratio engine/naive = "
          f"{t_full / naive_t:.2f}x (includes 4 audits, run log, version records)")
    print(f"engine run without audits   : {t_bare:8.3f} s   ratio engine/naive = "
          f"{t_bare / naive_t:.2f}x (versioning + run log only)")
    print(f"engine no-op rerun          : {t_noop:8.3f} s   ratio rerun/full = "
          f"{t_noop / t_full:.4f}")
    print(f"change last transform only  : {t_leaf:8.3f} s   ratio leaf/full = "
          f"{t_leaf / t_full:.3f}")
    print(f"rollback (pointer swap)     : {t_rollback:8.3f} s   ratio rollback/rebuild = "
          f"{t_rollback / t_rebuild_top:.3f}")


if __name__ == "__main__":
    main()
