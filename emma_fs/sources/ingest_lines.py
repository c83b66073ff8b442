"""Reading one raw text file (optionally gzipped) into DuckDB as numbered lines.

Fast path: DuckDB's CSV reader reads the file as one VARCHAR column per line (delimiter byte
``\\x01``, which valid JSON and image2mass CSV never contain raw; no quoting), materialized in
insertion order so ``rowid + 1`` is the line number. When DuckDB refuses the file (truncated
gzip, invalid UTF-8, stray ``\\r``, a raw ``\\x01``, not gzip), :mod:`ingest_salvage` streams it
instead. Either way the result is the temp view ``_ingest_input(line_no, line, pre_reason)``,
where ``pre_reason`` is set for lines the reader already found damaged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.sources.ingest_salvage import read_lines

if TYPE_CHECKING:
    import duckdb

MAX_LINE_BYTES = 256 << 20  # real UCSD metadata lines reach megabytes
_READ_LINES = f"""
CREATE OR REPLACE TEMP TABLE _ingest_lines AS
SELECT line FROM read_csv($path, columns = {{'line': 'VARCHAR'}}, header = false,
    delim = '\x01', quote = '', escape = '', auto_detect = false, strict_mode = true,
    compression = 'auto', max_line_size = {MAX_LINE_BYTES})
"""


def is_gzip(path: Path) -> bool:
    return path.name.endswith(".gz")


def _stage_with_duckdb(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(_READ_LINES, {"path": str(path)})
    con.execute("CREATE OR REPLACE TEMP VIEW _ingest_input AS SELECT rowid + 1 AS line_no, "
                "line, NULL::VARCHAR AS pre_reason FROM _ingest_lines")


def _stage_salvaged(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    import pyarrow as pa

    con.execute("CREATE OR REPLACE TEMP TABLE _ingest_salvaged "
                "(line_no BIGINT, line VARCHAR, pre_reason VARCHAR)")
    for batch in read_lines(path, compressed=is_gzip(path)):
        line_no, line, reason = zip(*batch, strict=True)
        arrow = pa.table({"line_no": pa.array(line_no, pa.int64()),
                          "line": pa.array(line, pa.string()),
                          "pre_reason": pa.array(reason, pa.string())})
        con.register("_ingest_batch", arrow)
        try:
            con.execute("INSERT INTO _ingest_salvaged SELECT * FROM _ingest_batch")
        finally:
            con.unregister("_ingest_batch")
    con.execute("CREATE OR REPLACE TEMP VIEW _ingest_input AS SELECT * FROM _ingest_salvaged")


def stage_lines(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, str]:
    """Read ``path`` into ``_ingest_input``; returns ``(method, note)``: method ``duckdb`` or
    ``salvage``, note says why DuckDB's reader was not used. Raises
    :class:`~emma_fs.sources.ingest_salvage.UnreadableFile` when nothing can be read."""
    import duckdb

    try:
        _stage_with_duckdb(con, path)
    except duckdb.Error as exc:
        _stage_salvaged(con, path)
        return "salvage", str(exc).splitlines()[0]
    return "duckdb", ""
