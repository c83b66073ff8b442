"""`emma-fs sql "SELECT ..."`: read-only queries against the workspace database."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from cli import render
from cli.state import STATE, OutputFormat

DISPLAY_ROWS = 50
PAGED_ROWS = 10_000


class SqlFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def register(app: typer.Typer) -> None:
    @app.command("sql")
    def sql_cmd(
        query: str = typer.Argument(..., help="One read-only query (SELECT/WITH/UNION, "
                                    "DESCRIBE, SHOW, SUMMARIZE)."),
        dialect: str = typer.Option(None, "--dialect", help="SQL dialect of the query "
                                    "(e.g. postgres, spark, trino); transpiled to DuckDB."),
        format: SqlFormat = typer.Option(None, "--format", "-f", help="Output format "
                                         "(default: the global --format); parquet needs --out."),
        out: Path = typer.Option(None, "--out", "-o", help="Write the result to this file."),
        limit: int = typer.Option(None, "--limit", help=f"Rows to output (table display "
                                  f"defaults to {DISPLAY_ROWS})."),
    ) -> None:
        """Run a read-only SQL query against the workspace database."""
        from emma_fs.query import run_query, write_result

        fmt = format.value if format else STATE.format.value
        if fmt == "parquet" and out is None:
            raise typer.BadParameter("--format parquet needs --out FILE", param_hint="--out")
        result = run_query(STATE.workspace().duckdb_path, query, dialect)
        display = fmt == "table" and out is None
        # On a terminal, long tables open in a pager (up to PAGED_ROWS); elsewhere they are
        # cut to DISPLAY_ROWS with a note on stderr.
        paged = display and sys.stdout.isatty()
        default_rows = PAGED_ROWS if paged else DISPLAY_ROWS
        shown = limit if limit is not None else (default_rows if display else None)
        if shown is not None and result.num_rows > shown:
            render.message(f"showing {shown} of {result.num_rows} rows (use --limit N)")
            result = result.slice(0, shown)
        if out is not None:
            write_result(result, out, "csv" if fmt == "table" else fmt)
            render.message(f"wrote {result.num_rows} rows to {out}")
            return
        STATE.format = OutputFormat(fmt)
        render.records(result.to_pylist(), columns=result.column_names, page=paged)
