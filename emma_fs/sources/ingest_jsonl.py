"""Staging of one JSON-lines file (UCSD 2018, Amazon 2023, SP-API) for commit.

Lines come from :mod:`ingest_lines`; one SQL classification
(``sql/ingest/classify_json_lines.sql``) decides: a line is a record when it is a JSON object
whose key field (``asin`` or ``parent_asin``) is a string, otherwise a reject with its reason
(empty line, invalid JSON, not an object, missing or non-string key, damaged bytes). Records
keep the whole line as JSON, so unknown fields are not lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.sources.ingest_lines import stage_lines
from emma_fs.sources.ingest_store import load_sql, quote_literal, run_script

if TYPE_CHECKING:
    import duckdb


def stage_json_lines(con: duckdb.DuckDBPyConnection, path: Path, key: str) -> tuple[str, str]:
    """Stage ``path`` into ``_ingest_rows(line_no, record)`` and ``_ingest_rej``; returns the
    ``(method, note)`` of :func:`stage_lines`."""
    method, note = stage_lines(con, path)
    con.execute(load_sql("classify_json_lines").replace("{key}", quote_literal(key)))
    run_script(con, load_sql("json_lines_rows"))
    return method, note
