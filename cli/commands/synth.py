"""`emma-fs synth`: write a realistic synthetic raw-source folder (UCSD 2018 / Amazon 2023,
SP-API, image2mass, images, hidden truth) for ingest to read."""

from __future__ import annotations

from pathlib import Path

import typer

from cli import render
from cli.state import STATE


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth_cmd(
        objects: int = typer.Option(2000, "--objects", "-n", min=1,
                                    help="Number of physical products to generate."),
        seed: int = typer.Option(0, "--seed", "-s", help="Random seed (output is deterministic)."),
        out: Path | None = typer.Option(
            None, "--out", "-o",
            help="Output folder (default: the workspace's raw folder)."),
        images: str = typer.Option(
            "all", "--images",
            help="'all', 'none' (URLs only, no files) or N (only the first N listings)."),
    ) -> None:
        """Generate raw sources in their real formats (docs/contracts.md section 1) plus
        truth/truth.parquet, then print a summary."""
        from emma_fs.sources.synth import generate

        target = out if out is not None else STATE.workspace().raw_dir
        summary = generate(target, objects, seed=seed, images=images, progress=STATE.progress())
        render.summary(summary, title="synth")
