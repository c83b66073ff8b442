"""The one output renderer: records (list of dicts) or key/value summaries as a rich table,
JSON or CSV on stdout. Progress and logs go to stderr elsewhere; only data comes here."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli.state import STATE, OutputFormat

PIPE_WIDTH = 120


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, list | tuple):
        text = ", ".join(_cell(v) for v in value[:6])
        return text + (" …" if len(value) > 6 else "")
    return str(value)


def records(rows: Sequence[Mapping[str, Any]], *, title: str | None = None,
            columns: Sequence[str] | None = None, page: bool = False) -> None:
    """Print rows in the chosen --format; with ``page``, a table taller than the terminal
    opens in the pager (only when stdout is a terminal)."""
    cols = list(columns or (rows[0].keys() if rows else []))
    fmt = STATE.format
    if fmt is OutputFormat.json:
        json.dump([{c: r.get(c) for c in cols} for r in rows], sys.stdout, default=_jsonable)
        sys.stdout.write("\n")
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(cols)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    else:
        from rich.table import Table

        table = Table(title=title, show_lines=False, header_style="bold")
        for c in cols:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*(_cell(r.get(c)) for c in cols))
        console = _console()
        if page and console.is_terminal and len(rows) + 4 > console.size.height:
            with console.pager(styles=True):
                console.print(table)
        else:
            console.print(table)


def _console():  # noqa: ANN202 - rich Console, imported lazily
    """A console for tables: the terminal's width, or 120 columns when output goes to a file
    or pipe (rich's 80-column default folds every header of a wide table)."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPE_WIDTH)
    return console


def summary(data: Mapping[str, Any], *, title: str | None = None) -> None:
    """Print one object: a two-column table, or a JSON object."""
    if STATE.format is OutputFormat.json:
        json.dump(dict(data), sys.stdout, default=_jsonable)
        sys.stdout.write("\n")
        return
    records([{"key": k, "value": v} for k, v in data.items()], title=title)


def message(text: str) -> None:
    """A human line on stderr (never pollutes JSON/CSV stdout)."""
    if not STATE.quiet:
        from rich.console import Console

        Console(stderr=True).print(text)
