"""`emma-fs init` and `emma-fs info`: create and show a workspace."""

from __future__ import annotations

from pathlib import Path

import typer

from cli import render
from cli.state import STATE


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init_cmd(
        directory: Path = typer.Argument(Path("."), help="Folder to make a workspace."),
        force: bool = typer.Option(False, help="Overwrite an existing emma-fs.toml."),
    ) -> None:
        """Create a workspace: writes emma-fs.toml naming the DuckDB file, LanceDB folder,
        Feast repo, models and exports folders."""
        from emma_fs import workspace

        ws = workspace.init(directory, force=force)
        render.summary({"workspace": ws.root, **{k: v for k, v in ws.paths.items()}},
                       title="Workspace")

    @app.command("info")
    def info_cmd() -> None:
        """Show the resolved workspace paths (after --workspace and EMMA_FS_* overrides)."""
        ws = STATE.workspace()
        render.summary({"workspace": ws.root, **{k: v for k, v in ws.paths.items()}},
                       title="Workspace")
