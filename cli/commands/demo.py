"""`emma-fs demo`: the main job on generated demo data, ending with a short report."""

from __future__ import annotations

from pathlib import Path

import typer

from cli import render
from cli.state import STATE, OutputFormat


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        directory: Path = typer.Option(Path("demo"), "--dir", "-d",
                                       help="Workspace folder to create or reuse."),
        objects: int = typer.Option(2000, "--objects", "-n", min=50,
                                    help="Products to generate."),
        seed: int = typer.Option(0, "--seed", "-s", help="Generator seed."),
    ) -> None:
        """Run the whole pipeline on generated data: synth, ingest, transforms, embeddings,
        dedup, training and fill, materialize, and one neighbours lookup."""
        from emma_fs.demo import run_demo

        result = run_demo(directory, objects=objects, seed=seed, progress=STATE.progress())
        if STATE.format is OutputFormat.json:
            render.summary({"workspace": result.workspace, **result.sections,
                            "timings": result.timings})
            return
        for title, section in result.sections.items():
            if isinstance(section, dict):
                render.summary(section, title=title)
            else:
                render.records(section, title=title)
        render.summary(result.timings, title="seconds per stage")
