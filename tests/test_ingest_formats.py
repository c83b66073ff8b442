"""Ingest: every raw format is discovered and parsed back into its raw table (hand-written
fixtures following docs/contracts.md), unknown fields are kept, truth/ is never read, and the
CLI reports per file and per table as JSON."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from emma_fs.db import bootstrap
from emma_fs.errors import InputFileError
from emma_fs.sources.ingest import ingest
from emma_fs.sources.ingest_discovery import discover

ROOT = Path(__file__).resolve().parents[1]

UCSD_META = [
    {"asin": "B001", "title": "Steel Water Bottle", "feature": ["BPA free"], "description": ["x"],
     "price": "$12.99", "category": ["Home &amp; Kitchen", "Bottles"], "brand": "Acme",
     "rank": ">#39,745 in Home &amp; Kitchen (See top 100)",
     "details": {"\n    Product Dimensions: \n    ": "7.8 x 7.8 x 1.8 inches ; 4 ounces"},
     "tech1": "<tr><td class=\"a-span3\">Item Weight</td><td>1.2 pounds</td></tr>",
     "image": ["https://images-na.ssl-images-amazon.com/images/I/51abcDEF.jpg"],
     "my_unknown_field": {"kept": True}},
    {"asin": "B002", "title": "Pillow \u00e9t\u00e9 \u2603", "price": "", "details": {},
     "imageURL": ["https://x/images/I/61xyz._SS40_.jpg"], "imageURLHighRes": []},
]
UCSD_REVIEWS = [{"overall": 5.0, "vote": "1,234", "verified": True, "reviewTime": "09 13, 2009",
                 "reviewerID": "R1", "asin": "B001", "reviewText": "great", "summary": "ok",
                 "unixReviewTime": 1252800000}]
A23_META = [{"parent_asin": "P001", "main_category": "Home", "title": "Mug", "price": None,
             "images": [{"thumb": "t", "large": "l", "hi_res": None, "variant": "MAIN"}],
             "details": json.dumps({"Item Weight": "1.2 pounds"})}]
A23_REVIEWS = [{"rating": 4.0, "title": "t", "text": "nice", "asin": "B9", "parent_asin": "P001",
                "user_id": "U1", "timestamp": 1600000000000, "helpful_vote": 0,
                "verified_purchase": True}]
SPAPI = [{"asin": "S001", "attributes": {"item_weight": [{"value": 0.5, "unit": "kilograms",
                                                          "marketplace_id": "ATVPDKIKX0DER"}]},
          "productTypes": [{"marketplaceId": "ATVPDKIKX0DER", "productType": "PILLOW"}]}]
I2M_CSV = ("asin,title,weight_lb,length_in,width_in,height_in,image_url\n"
           'I001,"Mug, ceramic ""large""",1.2,4,4,5,https://x/images/I/71aa.jpg\n'
           "I002,Lamp,,10,5,5,https://x/images/I/72bb.jpg\n")


def write_jsonl(path: Path, records: list, *, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)  # raw UTF-8
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)


def make_raw(root: Path) -> Path:
    """One small file of every format, plus a truth/ folder and an unknown file."""
    write_jsonl(root / "ucsd2018" / "meta_Home.json.gz", UCSD_META, gz=True)
    write_jsonl(root / "ucsd2018" / "Home.json", UCSD_REVIEWS)
    write_jsonl(root / "amazon2023" / "meta_Home.jsonl.gz", A23_META, gz=True)
    write_jsonl(root / "amazon2023" / "Home.jsonl", A23_REVIEWS)
    write_jsonl(root / "spapi" / "items.jsonl.gz", SPAPI, gz=True)
    (root / "image2mass").mkdir()
    (root / "image2mass" / "image2mass.csv").write_text(I2M_CSV)
    for image_id, sub in (("51abcDEF", "51"), ("61xyz", "61")):
        (root / "images" / sub).mkdir(parents=True)
        (root / "images" / sub / f"{image_id}.jpg").write_bytes(b"\xff\xd8" + image_id.encode())
    (root / "truth").mkdir()
    (root / "truth" / "truth.parquet").write_bytes(b"not parquet: must never be read")
    (root / "spapi" / "README.txt").write_text("not a source")
    return root


@pytest.fixture
def con():
    c = duckdb.connect()
    bootstrap(c)
    yield c
    c.close()


def test_discovery_maps_files_to_tables_and_skips_truth(tmp_path: Path) -> None:
    found = discover(make_raw(tmp_path / "raw"))
    tables = {f.source_file: f.spec.raw_table for f in found.files}
    assert tables == {
        "amazon2023/Home.jsonl": "raw_amazon2023_reviews",
        "amazon2023/meta_Home.jsonl.gz": "raw_amazon2023_meta",
        "image2mass/image2mass.csv": "raw_image2mass",
        "spapi/items.jsonl.gz": "raw_spapi_items",
        "ucsd2018/Home.json": "raw_ucsd2018_reviews",
        "ucsd2018/meta_Home.json.gz": "raw_ucsd2018_meta",
    }
    assert found.images_dir == (tmp_path / "raw" / "images").resolve()
    assert found.ignored == ("spapi/README.txt",)


def test_every_format_is_parsed_back(con, tmp_path: Path) -> None:
    report = ingest(con, make_raw(tmp_path / "raw"))
    assert report.rows_rejected == 0
    assert {f.source_file: f.method for f in report.files if f.method != "duckdb"} == \
        {"images/": "hashlib"}
    meta = con.execute("SELECT source_file, line_no, record FROM raw_ucsd2018_meta "
                       "ORDER BY line_no").fetchall()
    assert [(m[0], m[1]) for m in meta] == [("ucsd2018/meta_Home.json.gz", 1),
                                            ("ucsd2018/meta_Home.json.gz", 2)]
    assert [json.loads(m[2]) for m in meta] == UCSD_META  # whole record, unknown fields kept
    title, kept = con.execute("SELECT record->>'$.title', record->'$.my_unknown_field' "
                              "FROM raw_ucsd2018_meta WHERE line_no = 1").fetchone()
    assert title == "Steel Water Bottle" and json.loads(kept) == {"kept": True}
    for table, records in (("raw_ucsd2018_reviews", UCSD_REVIEWS),
                           ("raw_amazon2023_meta", A23_META),
                           ("raw_amazon2023_reviews", A23_REVIEWS), ("raw_spapi_items", SPAPI)):
        got = [json.loads(r[0]) for r in
               con.execute(f"SELECT record FROM {table} ORDER BY line_no").fetchall()]
        assert got == records, table
    i2m = con.execute("SELECT asin, title, weight_lb, length_in, image_url, line_no "
                      "FROM raw_image2mass ORDER BY line_no").fetchall()
    assert i2m == [("I001", 'Mug, ceramic "large"', "1.2", "4", "https://x/images/I/71aa.jpg", 2),
                   ("I002", "Lamp", None, "10", "https://x/images/I/72bb.jpg", 3)]
    images = con.execute("SELECT image_id, path, bytes, sha256 FROM raw_images "
                         "ORDER BY image_id").fetchall()
    assert [i[0] for i in images] == ["51abcDEF", "61xyz"]
    assert images[0][2] == len(b"\xff\xd8" + b"51abcDEF") and len(images[0][3]) == 64
    assert Path(images[0][1]).is_file()
    files = dict(con.execute("SELECT source_file, rows_ingested FROM ingest_files").fetchall())
    assert not any(k.startswith("truth") for k in files) and files["images/"] == 2


def test_csv_header_order_does_not_matter(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "image2mass"
    raw.mkdir(parents=True)
    (raw / "a.csv").write_text("title,asin,image_url,weight_lb,length_in,width_in,height_in,"
                               "extra\nMug,I9,u,1,2,3,4,zzz\n")
    ingest(con, tmp_path / "raw")
    assert con.execute("SELECT asin, title, image_url, height_in FROM raw_image2mass"
                       ).fetchall() == [("I9", "Mug", "u", "4")]


def test_source_versions_recorded_for_every_raw_table(con, tmp_path: Path) -> None:
    report = ingest(con, make_raw(tmp_path / "raw"))
    versions = dict(con.execute("SELECT table_name, version FROM _emma_source_versions"
                                ).fetchall())
    assert versions == report.versions
    assert set(versions) >= {"raw_ucsd2018_meta", "raw_ucsd2018_reviews", "raw_amazon2023_meta",
                             "raw_amazon2023_reviews", "raw_spapi_items", "raw_image2mass",
                             "raw_images"}
    assert len(set(versions.values())) == len(versions)  # different content, different version


def test_missing_or_empty_dir_is_a_clear_error(con, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        ingest(con, tmp_path / "nope")
    (tmp_path / "empty" / "truth").mkdir(parents=True)
    (tmp_path / "empty" / "truth" / "truth.parquet").write_bytes(b"x")
    with pytest.raises(InputFileError, match="no known raw sources"):
        ingest(con, tmp_path / "empty")


def test_cli_ingest_json_per_file_and_per_table(tmp_path: Path) -> None:
    raw = make_raw(tmp_path / "raw")
    env = {**os.environ, "EMMA_FS_WORKSPACE": str(tmp_path / "ws")}
    cli = [sys.executable, "-m", "cli.main"]
    subprocess.run([*cli, "init", str(tmp_path / "ws")], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    out = subprocess.run([*cli, "--json", "ingest", str(raw)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout)
    assert {r["status"] for r in rows} == {"new"} and len(rows) == 7
    assert sum(r["rows_ingested"] for r in rows) == 2 + 1 + 1 + 1 + 1 + 2 + 2
    out = subprocess.run([*cli, "--json", "ingest", str(raw), "--by", "table"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    tables = {r["raw_table"]: r for r in json.loads(out.stdout)}
    assert tables["raw_ucsd2018_meta"]["files_unchanged"] == 1
    assert tables["raw_ucsd2018_meta"]["skipped_rows"] == 2
    assert all(t["rows_ingested"] == 0 for t in tables.values())
    bad = subprocess.run([*cli, "--json", "ingest", str(tmp_path / "nope")], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["error"]["code"] == "input_file"


def test_line_numbers_survive_parallel_reading(con, tmp_path: Path) -> None:
    """A plain file large enough for DuckDB's multi-threaded CSV scan: every record must land
    with its own physical line number (insertion order preserved)."""
    raw = tmp_path / "raw" / "spapi"
    raw.mkdir(parents=True)
    n = 150_000
    con.execute(f"COPY (SELECT 'S' || i AS asin, i + 1 AS n, repeat('x', i % 50) AS pad "
                f"FROM range({n}) t(i)) TO '{raw / 'big.jsonl'}' (FORMAT json)")
    con.execute("SET threads = 4")
    report = ingest(con, tmp_path / "raw")
    assert report.files[0].method == "duckdb" and report.rows_ingested == n
    assert con.execute("SELECT count(*) FROM raw_spapi_items WHERE line_no <> "
                       "(record->>'$.n')::BIGINT").fetchone()[0] == 0
