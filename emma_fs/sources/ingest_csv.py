"""Staging of one image2mass CSV file for commit (``raw_image2mass``).

Lines come from :mod:`ingest_lines`; the header (line 1) maps the contract's columns
(``asin,title,weight_lb,length_in,width_in,height_in,image_url``) to positions, so column order
and extra columns do not matter; fields are split in SQL (``sql/ingest/parse_csv_lines.sql``).
Every data line is a row or a reject (wrong number of fields, bad quoting, damaged bytes);
values stay VARCHAR (units: pounds and inches, as in the source).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.sources.ingest_discovery import IMAGE2MASS_COLUMNS
from emma_fs.sources.ingest_lines import stage_lines
from emma_fs.sources.ingest_salvage import UnreadableFile
from emma_fs.sources.ingest_store import load_sql

if TYPE_CHECKING:
    import duckdb


def _header(con: duckdb.DuckDBPyConnection) -> list[str]:
    row = con.execute("SELECT line, pre_reason FROM _ingest_input WHERE line_no = 1").fetchone()
    if row is None or row[0] is None:
        raise UnreadableFile("CSV file has no header line")
    if row[1] is not None:
        raise UnreadableFile(f"CSV header line is damaged: {row[1]}")
    names = next(csv.reader([row[0].lstrip("\ufeff")]))
    return [n.strip().lower() for n in names]


def stage_image2mass(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, str]:
    """Stage ``path`` into ``_ingest_rows`` (contract columns + ``line_no``) and
    ``_ingest_rej``; raises UnreadableFile when the file or its header is unusable."""
    method, note = stage_lines(con, path)
    header = _header(con)
    missing = [c for c in IMAGE2MASS_COLUMNS if c not in header]
    if missing:
        raise UnreadableFile(f"CSV header lacks columns {missing}; expected "
                             f"{','.join(IMAGE2MASS_COLUMNS)}")
    con.execute(load_sql("parse_csv_lines"), {"n_fields": len(header)})
    picks = ", ".join(f"fields[{header.index(c) + 1}] AS {c}" for c in IMAGE2MASS_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP VIEW _ingest_rows AS SELECT line_no, {picks} "
                "FROM _ingest_csv_parsed WHERE reason IS NULL")
    con.execute("CREATE OR REPLACE TEMP VIEW _ingest_rej AS SELECT line_no, line AS raw_text, "
                "reason FROM _ingest_csv_parsed WHERE reason IS NOT NULL")
    return method, note
