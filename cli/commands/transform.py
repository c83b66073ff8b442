"""`emma-fs transform plan|run|list|log|lineage|rollback|gc`: the versioned SQL transforms
(one thin command per Engine method; see emma_fs/transforms/engine.py and sql/README.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from cli import render
from cli.state import STATE

if TYPE_CHECKING:
    from emma_fs.transforms.engine import Engine

app = typer.Typer(help="Versioned SQL transforms: plan, run, inspect, roll back, clean up.",
                  no_args_is_help=True)


@contextmanager
def _engine() -> Iterator[Engine]:
    from emma_fs.transforms.engine import Engine

    with Engine.for_workspace(STATE.workspace(), STATE.progress()) as engine:
        yield engine


@app.command("plan")
def plan_cmd(names: list[str] = typer.Argument(
        None, help="Only these transforms and what they need upstream; default: all.")) -> None:
    """Show what changed (new / changed and why) and what downstream is affected; runs
    nothing."""
    with _engine() as engine:
        plan = engine.plan(names or None)
    render.records(plan.to_records(), title="Transform plan")
    n = len(plan.changed())
    render.message(f"{n} transform(s) to update" if n else "everything is up to date")


@app.command("run")
def run_cmd(names: list[str] = typer.Argument(
        None, help="Transforms to bring up to date (with what they need upstream); "
        "default: all.")) -> None:
    """Build what changed in dependency order; unchanged transforms do no work, existing
    versions are reused by a pointer swap."""
    with _engine() as engine:
        result = engine.run(names or None)
    render.records(result.to_records(), title=f"Run {result.run_id}", columns=[
        "transform", "action", "fingerprint", "rows_in", "rows_out", "seconds"])
    render.message(f"{len(result.built)} built, {len(result.swapped)} swapped, "
                   f"{len(result.unchanged)} unchanged")


@app.command("list")
def list_cmd() -> None:
    """List transforms: kind, current fingerprint, versions kept, description."""
    with _engine() as engine:
        rows = engine.list()
    render.records(rows, title="Transforms")


@app.command("log")
def log_cmd(limit: int = typer.Option(50, help="Most recent rows to show."),
            transform: str = typer.Option(None, "--transform", "-t",
                                          help="Only this transform.")) -> None:
    """The run log: transform, fingerprint, start, end, rows in/out, status, versions."""
    with _engine() as engine:
        rows = engine.log(limit, transform)
    render.records(rows, title="Transform runs")


@app.command("lineage")
def lineage_cmd(column: str = typer.Argument(..., help="TABLE.COLUMN of a transform.")) -> None:
    """Column-level lineage down to the raw tables' columns."""
    with _engine() as engine:
        rows = engine.lineage(column)
    if STATE.format.value == "table":
        rows = [{**r, "column": "  " * r["depth"] + r["column"]} for r in rows]
    render.records(rows, title=f"Lineage of {column}")


@app.command("rollback")
def rollback_cmd(name: str = typer.Argument(..., help="Transform to roll back."),
                 to: str = typer.Option(None, "--to", help="Fingerprint (prefix) to switch to; "
                                        "default: the version before the current one.")) -> None:
    """Point a transform's view back at an earlier version (a pointer swap)."""
    with _engine() as engine:
        result = engine.rollback(name, to)
    render.summary(result, title="Rollback")


@app.command("gc")
def gc_cmd(keep: int = typer.Option(1, "--keep", help="Old versions to keep per transform "
                                    "besides the current one.")) -> None:
    """Drop physical versions no view points at (except the --keep most recent)."""
    with _engine() as engine:
        dropped = engine.gc(keep)
    render.records([{"dropped": d} for d in dropped], title="Dropped versions",
                   columns=["dropped"])
    render.message(f"dropped {len(dropped)} version(s)")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="transform")
