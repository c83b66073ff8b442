"""Root of the `emma-fs` CLI: global options, error boundary, and the sub-apps.

Each noun lives in `cli/commands/<noun>.py` and exposes `app` (a Typer sub-app) or top-level
commands via `register(root)`. Errors derived from :class:`emma_fs.errors.EmmaError` are printed
as one line (or one JSON object with --format json) and exit 1; --debug shows tracebacks.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import typer

from cli.state import STATE, OutputFormat

app = typer.Typer(
    name="emma-fs",
    help="EMMa as a SQL + feature-store system: synth/ingest raw sources, run versioned DuckDB "
    "transforms, embed, dedup, train and fill, materialize to Feast/LanceDB, query and label.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)


@app.callback()
def _global(
    workspace: Path | None = typer.Option(
        None, "--workspace", "-w", help="Workspace folder (default: $EMMA_FS_WORKSPACE, "
        "else the nearest folder with emma-fs.toml).", envvar="EMMA_FS_WORKSPACE"),
    format: OutputFormat = typer.Option(
        OutputFormat.table, "--format", "-f", help="Output format for data on stdout."),
    json_out: bool = typer.Option(False, "--json", help="Shortcut for --format json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or messages."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    STATE.workspace_dir = workspace
    STATE.format = OutputFormat.json if json_out else format
    STATE.quiet = quiet
    STATE.debug = debug


# Command modules, mounted in this order. A module exposes `register(app)`.
COMMAND_MODULES = [
    "cli.commands.workspace",
    "cli.commands.synth",
    "cli.commands.ingest",
    "cli.commands.transform",
    "cli.commands.sql",
    "cli.commands.embed",
    "cli.commands.dedup",
    "cli.commands.materialize",
    "cli.commands.neighbors",
    "cli.commands.train",
    "cli.commands.label",
    "cli.commands.demo",
]

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _exc:  # a stage not built yet
        if _exc.name != _name:
            raise
        continue
    _module.register(app)


def _report_error(exc: BaseException) -> None:
    from emma_fs.errors import EmmaError

    if isinstance(exc, EmmaError):
        if STATE.format is OutputFormat.json:
            json.dump({"error": exc.to_dict()}, sys.stdout)
            sys.stdout.write("\n")
        else:
            typer.echo(f"Error: {exc}", err=True)
        return
    raise exc


def main() -> None:
    """Entry point with the error boundary (usage errors are Typer's own, exit 2)."""
    from emma_fs.errors import EmmaError

    try:
        app()
    except EmmaError as exc:
        if STATE.debug:
            raise
        _report_error(exc)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("Aborted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
