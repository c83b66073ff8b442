"""`emma-fs ingest [DIR]`: load raw source files into the workspace's DuckDB raw tables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from cli import render
from cli.state import STATE, OutputFormat

# The terminal table shows the counts; JSON/CSV carry every field (bytes, seconds, note).
TABLE_COLUMNS = {
    "file": ["source_file", "status", "method", "lines_read", "rows_ingested", "rows_rejected",
             "skipped_rows"],
    "table": ["raw_table", "files", "files_unchanged", "lines_read", "rows_ingested",
              "rows_rejected", "skipped_rows"],
}


class GroupBy(StrEnum):
    file = "file"
    table = "table"


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_cmd(
        directory: Path | None = typer.Argument(
            None, metavar="DIR",
            help="Raw source folder (default: the workspace's raw folder)."),
        by: GroupBy = typer.Option(GroupBy.file, "--by", help="One output row per file or "
                                   "per raw table."),
    ) -> None:
        """Load every raw source under DIR (ucsd2018/, amazon2023/, spapi/, image2mass/,
        images/; never truth/) into DuckDB raw tables. Unchanged files are skipped, changed
        files replace their rows, malformed records go to ingest_rejects with a reason."""
        from emma_fs import db
        from emma_fs.sources.ingest import ingest

        ws = STATE.workspace()
        con = db.connect(ws.duckdb_path)
        try:
            report = ingest(con, directory or ws.raw_dir, progress=STATE.progress())
        finally:
            con.close()
        rows = report.table_rows() if by is GroupBy.table else report.rows()
        columns = TABLE_COLUMNS[by.value] if STATE.format is OutputFormat.table else None
        render.records(rows, title=f"Ingested {report.raw_dir}", columns=columns)
        unchanged = sum(f.status == "unchanged" for f in report.files)
        render.message(f"{report.rows_ingested:,} rows ingested, {report.rows_rejected:,} "
                       f"rejected (table ingest_rejects), {unchanged} unchanged files skipped")
