"""Benchmark: `emma_fs.sources.ingest.ingest` against DuckDB's bare JSON readers.

Writes a raw folder (the project's synth with `images="none"` when it is importable, else a
built-in generator of contract-shaped gzipped JSON lines), then, side by side in one run and
each into a fresh on-disk DuckDB file:

- ours:     `ingest(con, raw_dir)` (hashing, line numbers, validation, rejects, bookkeeping),
- bare_obj: `CREATE TABLE AS SELECT * FROM read_ndjson_objects(files)` per raw table (the same
            one-JSON-column storage, no validation or line numbers),
- bare_json: `CREATE TABLE AS SELECT * FROM read_json(files, format='newline_delimited')` per raw
            table (typed columns auto-detected by DuckDB).

Prints rows/s of each and the ratios (our overhead). Run:
`nice -n 10 .venv/bin/python bench/bench_ingest.py --objects 100000`
"""

from __future__ import annotations

import argparse
import inspect
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emma_fs.db import bootstrap  # noqa: E402
from emma_fs.sources.ingest import ingest  # noqa: E402
from emma_fs.sources.ingest_discovery import discover  # noqa: E402

N_FILES = 4  # files per source (categories)

_META = """
SELECT 'B' || lpad(i::VARCHAR, 9, '0') AS asin,
       'Steel widget model ' || i || ' for kitchen & home, pack of ' || (i % 7 + 1) AS title,
       ['BPA free', 'Dishwasher safe', 'Size ' || (i % 13)] AS feature,
       ['A sturdy widget made of stainless steel, number ' || i] AS description,
       '$' || (i % 500 + 0.99) AS price,
       ['Home &amp; Kitchen', 'Kitchen', 'Widgets'] AS category,
       'Brand' || (i % 997) AS brand,
       '>#' || (i * 7 % 99999) || ' in Home &amp; Kitchen (See top 100)' AS rank,
       map {'Item Weight:': (i % 90 + 1) || ' ounces'} AS details,
       '<tr><td class="a-span3">Item Weight</td><td class="a-span9">' || (i % 9 + 1)
           || ' pounds</td></tr>' AS tech1,
       ['https://images-na.ssl-images-amazon.com/images/I/' || md5(i::VARCHAR)[:11] || '.jpg']
           AS image
FROM range({lo}, {hi}) t(i)
"""
_REVIEWS = """
SELECT (i % 5 + 1)::DOUBLE AS overall, (i % 40)::VARCHAR AS vote, i % 3 = 0 AS verified,
       '09 13, 2009' AS reviewTime, 'R' || i AS reviewerID,
       'B' || lpad((i // 2)::VARCHAR, 9, '0') AS asin, 'user ' || i AS reviewerName,
       'This widget works well, review number ' || i || ' says so.' AS reviewText,
       'Good' AS summary, 1252800000 + i AS unixReviewTime
FROM range({lo}, {hi}) t(i)
"""
_A23_META = """
SELECT 'P' || lpad(i::VARCHAR, 9, '0') AS parent_asin, 'Home' AS main_category,
       'Ceramic mug ' || i AS title, 4.5 AS average_rating, i % 100 AS rating_number,
       ['Holds 12 oz'] AS features, ['A mug'] AS description, (i % 50 + 0.99) AS price,
       [{'thumb': 't' || i, 'large': 'l' || i, 'hi_res': NULL, 'variant': 'MAIN'}] AS images,
       'Store' || (i % 300) AS store, ['Home', 'Mugs'] AS categories,
       {'Item Weight': (i % 9 + 1) || ' pounds', 'Material': 'Ceramic'} AS details
FROM range({lo}, {hi}) t(i)
"""
_A23_REVIEWS = """
SELECT (i % 5 + 1)::DOUBLE AS rating, 'ok' AS title, 'Nice mug number ' || i AS text,
       'B' || i AS asin, 'P' || lpad((i // 2)::VARCHAR, 9, '0') AS parent_asin,
       'U' || i AS user_id, 1600000000000 + i AS timestamp, i % 4 AS helpful_vote,
       true AS verified_purchase
FROM range({lo}, {hi}) t(i)
"""
_SPAPI = """
SELECT 'S' || lpad(i::VARCHAR, 9, '0') AS asin,
       {'item_name': [{'value': 'Pillow ' || i, 'marketplace_id': 'ATVPDKIKX0DER'}],
        'item_weight': [{'value': (i % 30) / 10 + 0.1, 'unit': 'pounds',
                         'marketplace_id': 'ATVPDKIKX0DER'}]} AS attributes,
       [{'marketplaceId': 'ATVPDKIKX0DER', 'productType': 'PILLOW'}] AS productTypes
FROM range({lo}, {hi}) t(i)
"""
_SOURCES = (  # (folder, name pattern, query, rows per object)
    ("ucsd2018", "meta_Cat{k}.json.gz", _META, 1),
    ("ucsd2018", "Cat{k}.json.gz", _REVIEWS, 2),
    ("amazon2023", "meta_Cat{k}.jsonl.gz", _A23_META, 1),
    ("amazon2023", "Cat{k}.jsonl.gz", _A23_REVIEWS, 2),
    ("spapi", "items_{k}.jsonl.gz", _SPAPI, 1),
)


def write_builtin(raw: Path, n_objects: int) -> None:
    """Contract-shaped gzipped JSON lines (no images, no damage), written by DuckDB."""
    con = duckdb.connect()
    for folder, pattern, query, per_object in _SOURCES:
        (raw / folder).mkdir(parents=True, exist_ok=True)
        n = n_objects * per_object
        for k in range(N_FILES):
            lo, hi = n * k // N_FILES, n * (k + 1) // N_FILES
            path = raw / folder / pattern.format(k=k)
            select = query.replace("{lo}", str(lo)).replace("{hi}", str(hi))
            con.execute(f"COPY ({select}) TO '{path}' (FORMAT json, COMPRESSION gzip)")
    con.close()


def write_raw(raw: Path, n_objects: int) -> str:
    """Use the project's synth when present; returns which generator wrote the folder."""
    try:
        from emma_fs.sources.synth import generate  # type: ignore[attr-defined]
    except ImportError:
        write_builtin(raw, n_objects)
        return "builtin"
    wanted = {"out_dir": raw, "raw_dir": raw, "out": raw, "n_objects": n_objects,
              "objects": n_objects, "images": "none", "seed": 0}
    params = inspect.signature(generate).parameters
    args = [raw] if next(iter(params)) not in wanted else []
    generate(*args, **{k: v for k, v in wanted.items() if k in params})
    return "synth"


def time_ours(raw: Path, db: Path) -> tuple[float, int]:
    con = duckdb.connect(str(db))
    bootstrap(con)
    t0 = time.perf_counter()
    report = ingest(con, raw)
    con.close()  # both sides are timed until the data is checkpointed into the file
    seconds = time.perf_counter() - t0
    return seconds, report.rows_ingested + report.rows_rejected


def time_bare(raw: Path, db: Path, reader: str) -> tuple[float, int]:
    """Bare DuckDB readers into tables. ``objects``: one table per raw table over all its files
    (read_ndjson_objects). ``json``: one typed table per file, since typed read_json cannot
    merge files whose fields change type (e.g. Amazon 2023 ``details`` as dict vs string)."""
    groups: dict[str, list[str]] = {}
    for f in discover(raw).files:
        if f.spec.fmt == "jsonl":
            key = f.spec.raw_table if reader == "objects" else f"t{len(groups)}"
            groups.setdefault(key, []).append(str(f.path))
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    rows = 0
    for table, files in groups.items():
        call = (f"read_ndjson_objects({files!r})" if reader == "objects"
                else f"read_json({files!r}, format='newline_delimited')")
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {call}")
        rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    con.close()
    seconds = time.perf_counter() - t0
    return seconds, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", "--size", type=int, default=100_000, dest="objects")
    parser.add_argument("--keep", type=Path, default=None, help="write/keep the raw folder here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    raw = args.keep or work / "raw"
    try:
        t0 = time.perf_counter()
        generator = "existing" if (raw / "ucsd2018").is_dir() else write_raw(raw, args.objects)
        gen_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file()
                   and "truth" not in p.parts)
        print(f"objects={args.objects:,} generator={generator} ({gen_s:.1f} s) "
              f"raw={size / 1e6:.1f} MB", flush=True)
        ours_s, ours_rows = time_ours(raw, work / "ours.duckdb")
        print(f"ours      : {ours_rows:>10,} lines  {ours_s:7.2f} s  {ours_rows / ours_s:>12,.0f}"
              " rows/s (incl. file hashing, validation, line numbers, bookkeeping)", flush=True)
        obj_s, obj_rows = time_bare(raw, work / "bare_obj.duckdb", "objects")
        print(f"bare_obj  : {obj_rows:>10,} rows   {obj_s:7.2f} s  {obj_rows / obj_s:>12,.0f}"
              " rows/s (read_ndjson_objects -> table)", flush=True)
        json_s, json_rows = time_bare(raw, work / "bare_json.duckdb", "json")
        print(f"bare_json : {json_rows:>10,} rows   {json_s:7.2f} s  {json_rows / json_s:>12,.0f}"
              " rows/s (typed read_json -> one table per file)", flush=True)
        print(f"ratio (time ours / time bare): vs bare_obj {ours_s / obj_s:.2f}x, "
              f"vs bare_json {ours_s / json_s:.2f}x; rows ours {ours_rows:,} (JSON lines + "
              f"CSV rows + images), bare {obj_rows:,} (JSON lines)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
