"""Ingest of damaged input: every malformed record becomes an ``ingest_rejects`` row with a
reason, damaged files keep their good lines, counts reconcile per file; re-ingest is a no-op
and a changed file replaces its rows."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import duckdb
import pytest

from emma_fs.db import bootstrap
from emma_fs.sources.ingest import ingest


@pytest.fixture
def con():
    c = duckdb.connect()
    bootstrap(c)
    yield c
    c.close()


def lines(n: int, key: str = "asin", prefix: str = "A") -> list[str]:
    return [json.dumps({key: f"{prefix}{i}", "title": f"item {i}"}) for i in range(n)]


def rejects(con, source_file: str) -> list[tuple]:
    return con.execute("SELECT line_no, raw_text, reason FROM ingest_rejects "
                       "WHERE source_file = ? ORDER BY line_no", [source_file]).fetchall()


def counts(con, source_file: str) -> tuple:
    return con.execute("SELECT lines_read, rows_ingested, rows_rejected FROM ingest_files "
                       "WHERE source_file = ?", [source_file]).fetchone()


def assert_reconciled(con) -> None:
    """Per file: lines read = ingested + rejected, and the tables hold exactly those rows."""
    bad = con.execute("""
        SELECT f.source_file FROM ingest_files f
        LEFT JOIN (SELECT source_file, count(*) n FROM ingest_rejects GROUP BY ALL) r
               USING (source_file)
        WHERE f.lines_read <> f.rows_ingested + f.rows_rejected
           OR f.rows_rejected <> coalesce(r.n, 0)""").fetchall()
    assert bad == []
    for table in ("raw_ucsd2018_meta", "raw_spapi_items", "raw_image2mass",
                  "raw_amazon2023_meta"):
        mismatch = con.execute(f"""
            SELECT f.source_file FROM ingest_files f
            LEFT JOIN (SELECT source_file, count(*) n FROM {table} GROUP BY ALL) t
                   USING (source_file)
            WHERE f.raw_table = '{table}' AND f.rows_ingested <> coalesce(t.n, 0)""").fetchall()
        assert mismatch == [], table


def test_bad_json_lines_are_rejected_with_reasons(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "ucsd2018"
    raw.mkdir(parents=True)
    body = [json.dumps({"asin": "A1"}), "{broken json", "[1, 2]", '"just a string"',
            json.dumps({"asin": 5}), json.dumps({"title": "no asin"}), "",
            json.dumps({"asin": None}), json.dumps({"asin": "A9", "x": [1]})]
    (raw / "meta_Home.json.gz").write_bytes(gzip.compress(("\n".join(body) + "\n").encode()))
    report = ingest(con, tmp_path / "raw")
    assert report.files[0].method == "duckdb"
    got = rejects(con, "ucsd2018/meta_Home.json.gz")
    assert [(r[0], r[2]) for r in got] == [
        (2, "invalid JSON"), (3, "not a JSON object (got ARRAY)"),
        (4, "not a JSON object (got VARCHAR)"), (5, '"asin" is not a string (got UBIGINT)'),
        (6, 'missing key "asin"'), (7, "empty line"), (8, '"asin" is not a string (got NULL)')]
    assert got[0][1] == "{broken json"
    assert con.execute("SELECT line_no, record->>'$.asin' FROM raw_ucsd2018_meta ORDER BY 1"
                       ).fetchall() == [(1, "A1"), (9, "A9")]
    assert counts(con, "ucsd2018/meta_Home.json.gz") == (9, 2, 7)
    assert_reconciled(con)


def test_truncated_gzip_keeps_complete_lines(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "amazon2023"
    raw.mkdir(parents=True)
    body = "\n".join(lines(3000, "parent_asin", "P")) + "\n"
    data = gzip.compress(body.encode())
    (raw / "meta_Home.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    report = ingest(con, tmp_path / "raw")
    (result,) = report.files
    assert result.method == "salvage" and "GZIP" in result.note.upper()
    n_good = result.rows_ingested
    assert 0 < n_good < 3000 and result.rows_rejected == 1
    got = con.execute("SELECT line_no, record->>'$.parent_asin' FROM raw_amazon2023_meta "
                      "ORDER BY line_no").fetchall()
    assert got == [(i + 1, f"P{i}") for i in range(n_good)]  # exactly the complete lines
    ((line_no, _, reason),) = rejects(con, "amazon2023/meta_Home.jsonl.gz")
    assert line_no == n_good + 1 and "truncated" in reason
    assert_reconciled(con)


def test_invalid_utf8_and_stray_cr_use_the_fallback(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "spapi"
    raw.mkdir(parents=True)
    (raw / "a.jsonl").write_bytes(b'{"asin":"S1"}\n{"asin":"S\xff\xfe2"}\n{"asin":"S3"}\r\n'
                                  b'{"asin":"S4"}')
    ingest(con, tmp_path / "raw")
    ((line_no, text, reason),) = rejects(con, "spapi/a.jsonl")
    assert line_no == 2 and "invalid UTF-8" in reason and "\ufffd" in text
    assert con.execute("SELECT list(record->>'$.asin' ORDER BY line_no), list(line_no) "
                       "FROM raw_spapi_items").fetchone() == (["S1", "S3", "S4"], [1, 3, 4])
    assert_reconciled(con)


def test_unreadable_files_are_one_reject_each(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "spapi"
    raw.mkdir(parents=True)
    (raw / "fake.jsonl.gz").write_text('{"asin": "S1"}\n')  # named .gz, not gzip
    (raw / "gone.jsonl").symlink_to(tmp_path / "missing-target.jsonl")
    (raw / "ok.jsonl").write_text('{"asin": "S2"}\n')
    report = ingest(con, tmp_path / "raw")
    status = {f.source_file: f.status for f in report.files}
    assert status == {"spapi/fake.jsonl.gz": "unreadable", "spapi/gone.jsonl": "unreadable",
                      "spapi/ok.jsonl": "new"}
    ((ln, _, reason),) = rejects(con, "spapi/fake.jsonl.gz")
    assert ln is None and "not a gzip file" in reason
    ((ln, _, reason),) = rejects(con, "spapi/gone.jsonl")
    assert ln is None and "cannot read file" in reason
    assert counts(con, "spapi/fake.jsonl.gz") == (1, 0, 1)
    assert_reconciled(con)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission")
def test_permission_denied_is_a_reject(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "spapi"
    raw.mkdir(parents=True)
    (raw / "a.jsonl").write_text('{"asin": "S1"}\n')
    (raw / "a.jsonl").chmod(0)
    ingest(con, tmp_path / "raw")
    ((_, _, reason),) = rejects(con, "spapi/a.jsonl")
    assert "ermission" in reason


def test_bad_csv_rows_are_rejected(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "image2mass"
    raw.mkdir(parents=True)
    (raw / "i.csv").write_bytes(
        b"asin,title,weight_lb,length_in,width_in,height_in,image_url\n"
        b"I1,ok,1,2,3,4,u\n"
        b"I2,short,1\n"
        b"I3,t,1,2,3,4,u,extra\n"
        b'I4,"unterminated,1,2,3,4,u\n'
        b"\n"
        b"I6,ok,1,2,3,4,u\n")
    ingest(con, tmp_path / "raw")
    assert [(r[0], r[2]) for r in rejects(con, "image2mass/i.csv")] == [
        (3, "expected 7 fields, got 3"), (4, "expected 7 fields, got 8"),
        (5, "malformed CSV quoting"), (6, "empty line")]
    assert con.execute("SELECT list(asin ORDER BY line_no), list(line_no ORDER BY line_no) "
                       "FROM raw_image2mass").fetchone() == (["I1", "I6"], [2, 7])
    assert counts(con, "image2mass/i.csv") == (6, 2, 4)
    assert_reconciled(con)


def test_csv_without_required_header_is_unreadable(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "image2mass"
    raw.mkdir(parents=True)
    (raw / "i.csv").write_text("asin,name\nI1,x\n")
    (result,) = ingest(con, tmp_path / "raw").files
    assert result.status == "unreadable" and "lacks columns" in result.note


def test_reingest_is_a_noop_and_changed_file_replaces_rows(con, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "ucsd2018").mkdir(parents=True)
    (raw / "spapi").mkdir()
    meta = raw / "ucsd2018" / "meta_A.json"
    meta.write_text("\n".join([*lines(5), "bad"]) + "\n")
    (raw / "spapi" / "s.jsonl").write_text("\n".join(lines(3, prefix="S")) + "\n")
    first = ingest(con, raw)
    assert [f.status for f in first.files] == ["new", "new"]
    stamp = con.execute("SELECT list(ingested_at ORDER BY source_file) FROM ingest_files"
                        ).fetchone()
    second = ingest(con, raw)
    assert [f.status for f in second.files] == ["unchanged", "unchanged"]
    assert second.rows_ingested == 0 and second.files[1].skipped_rows == 5
    assert second.versions == first.versions
    assert con.execute("SELECT list(ingested_at ORDER BY source_file) FROM ingest_files"
                       ).fetchone() == stamp
    assert con.execute("SELECT count(*) FROM raw_ucsd2018_meta").fetchone()[0] == 5
    assert len(rejects(con, "ucsd2018/meta_A.json")) == 1

    meta.write_text("\n".join(lines(2, prefix="B")) + "\n")  # changed content, fewer rows
    third = ingest(con, raw)
    assert [f.status for f in third.files] == ["unchanged", "replaced"]  # spapi, ucsd
    assert con.execute("SELECT list(record->>'$.asin' ORDER BY line_no) FROM raw_ucsd2018_meta"
                       ).fetchone()[0] == ["B0", "B1"]
    assert rejects(con, "ucsd2018/meta_A.json") == []
    assert third.versions["raw_ucsd2018_meta"] != first.versions["raw_ucsd2018_meta"]
    assert third.versions["raw_spapi_items"] == first.versions["raw_spapi_items"]
    assert_reconciled(con)


def test_changed_image_folder_is_reindexed(con, tmp_path: Path) -> None:
    images = tmp_path / "raw" / "images" / "ab"
    images.mkdir(parents=True)
    (images / "abc.jpg").write_bytes(b"one")
    ingest(con, tmp_path / "raw")
    assert ingest(con, tmp_path / "raw").files[0].status == "unchanged"
    (images / "abd.jpg").write_bytes(b"two!")
    result = ingest(con, tmp_path / "raw").files[0]
    assert result.status == "replaced" and result.rows_ingested == 2
    assert con.execute("SELECT list(image_id ORDER BY image_id), sum(bytes) FROM raw_images"
                       ).fetchone() == (["abc", "abd"], 7)


def test_whole_file_reject_commits_for_every_raw_table(con) -> None:
    """An unreadable file of any raw table (images included) commits as one reject row."""
    from emma_fs.sources.ingest_discovery import ALL_SPECS
    from emma_fs.sources.ingest_store import commit_file, ensure_schema, stage_file_reject

    ensure_schema(con)
    for spec in ALL_SPECS:
        stage_file_reject(con, spec.raw_table, "unreadable file: test")
        got = commit_file(con, source_file=f"{spec.folder}/{spec.raw_table}",
                          raw_table=spec.raw_table, sha256=None, size=0,
                          whole_table=spec.fmt == "images")
        assert got == (1, 0, 1), spec.raw_table
    assert con.execute("SELECT count(*) FROM ingest_rejects WHERE line_no IS NULL"
                       ).fetchone()[0] == len(ALL_SPECS)


def test_on_disk_ingest_persists_and_restores_settings(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "spapi"
    raw.mkdir(parents=True)
    (raw / "s.jsonl").write_text("\n".join(lines(50, prefix="S")) + "\n")
    db_file = tmp_path / "emma.duckdb"
    con = duckdb.connect(str(db_file))
    before = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
    ingest(con, tmp_path / "raw")
    assert con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0] == before
    con.close()
    con = duckdb.connect(str(db_file), read_only=True)
    assert con.execute("SELECT count(*) FROM raw_spapi_items").fetchone()[0] == 50
    assert con.execute("SELECT version FROM _emma_source_versions "
                       "WHERE table_name = 'raw_spapi_items'").fetchone() is not None
    con.close()
