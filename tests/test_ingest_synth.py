"""Ingest of a folder written by the project's synth generator: per-source row counts reconcile
with what synth reports it wrote, and the pipeline never reads truth/ (deleting it changes
nothing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from emma_fs.db import bootstrap
from emma_fs.sources.ingest import ingest

synth = pytest.importorskip("emma_fs.sources.synth")


@pytest.fixture(scope="module")
def synth_raw(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth") / "raw"
    summary = synth.generate(out, 300, seed=7, images=25, workers=1)
    return out, summary


def _ingest(raw: Path) -> tuple[duckdb.DuckDBPyConnection, object]:
    con = duckdb.connect()
    bootstrap(con)
    return con, ingest(con, raw)


def test_synth_counts_reconcile(synth_raw) -> None:
    raw, summary = synth_raw
    con, report = _ingest(raw)
    assert report.rows_rejected == 0
    by_table = {t["raw_table"]: t["rows_ingested"] for t in report.table_rows()}
    assert by_table == {
        "raw_ucsd2018_meta": summary["ucsd2018_listings"],
        "raw_ucsd2018_reviews": summary["ucsd2018_reviews"],
        "raw_amazon2023_meta": summary["amazon2023_listings"],
        "raw_amazon2023_reviews": summary["amazon2023_reviews"],
        "raw_spapi_items": summary["spapi_listings"],
        "raw_image2mass": summary["image2mass_listings"],
        "raw_images": summary["images_written"],
    }
    assert sum(by_table.values()) > 300
    for table in by_table:
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == by_table[table]
    # every listing key is a non-empty string, line numbers are unique per file
    assert con.execute("SELECT count(*) FROM raw_ucsd2018_meta WHERE "
                       "coalesce(record->>'$.asin', '') = ''").fetchone()[0] == 0
    assert con.execute("SELECT count(*) - count(DISTINCT (source_file, line_no)) "
                       "FROM raw_spapi_items").fetchone()[0] == 0
    con.close()


def test_ingest_never_reads_truth(synth_raw, tmp_path: Path) -> None:
    raw, _ = synth_raw
    con, with_truth = _ingest(raw)
    con.close()
    copy = tmp_path / "raw"
    shutil.copytree(raw, copy)
    shutil.rmtree(copy / "truth")
    con, without = _ingest(copy)
    # same content, truth or not (the image index differs only by its absolute paths)
    assert {k: v for k, v in without.versions.items() if k != "raw_images"} == \
        {k: v for k, v in with_truth.versions.items() if k != "raw_images"}
    assert [f.rows_ingested for f in without.files] == [f.rows_ingested for f in with_truth.files]
    assert not any(f.source_file.startswith("truth") for f in without.files)
    assert con.execute("SELECT count(*) FROM ingest_files WHERE source_file LIKE 'truth%'"
                       ).fetchone()[0] == 0
    con.close()
