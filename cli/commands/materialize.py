"""`emma-fs materialize`: export features, apply the Feast repo, load the LanceDB online store."""

from __future__ import annotations

import typer

from cli import render
from cli.state import STATE, OutputFormat

COLUMNS = ["view", "mode", "written", "pruned", "offline_rows", "online_rows", "reconciled",
           "seconds", "rows_per_s"]


def register(app: typer.Typer) -> None:
    @app.command("materialize")
    def materialize_cmd(
        full: bool = typer.Option(False, "--full", help="Rebuild every online table from the "
                                  "offline exports instead of loading only changed rows."),
        view: list[str] = typer.Option(None, "--view", help="Only these feature views "
                                       "(repeatable)."),
        no_export: bool = typer.Option(False, "--no-export", help="Materialize the existing "
                                       "Parquet exports without re-exporting from DuckDB."),
        json_out: bool = typer.Option(False, "--json", help="Shortcut for --format json."),
    ) -> None:
        """Export `listings` (and embeddings, filled values, labels) to Parquet, apply the
        Feast definitions if they changed, and materialize into LanceDB (incremental by
        default). Prints one row per feature view; online_rows reconciles with offline_rows."""
        from emma_fs.features.materialize import materialize

        if json_out:
            STATE.format = OutputFormat.json
        result = materialize(STATE.workspace(), full=full, views=view or None,
                             export=not no_export, progress=STATE.progress())
        if STATE.format is OutputFormat.json:
            render.summary(result)
        else:
            render.records(result["views"], columns=COLUMNS, title="Materialized")
