"""`emma-fs neighbors`: nearest listings of an ASIN in an embedding space (online store)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli import render
from cli.state import STATE, OutputFormat

COLUMNS = ["rank", "asin", "distance", "title", "category", "price_usd"]


def register(app: typer.Typer) -> None:
    @app.command("neighbors")
    def neighbors_cmd(
        asin: str = typer.Argument(None, help="The ASIN whose neighbours to list."),
        k: int = typer.Option(10, "-k", "--k", min=1, help="How many neighbours."),
        space: str = typer.Option("text", "--space", help="Embedding space: text, image, "
                                  "object or any other materialized <space>_embedding view."),
        where: str = typer.Option(None, "--where", help="SQL filter over listing columns, "
                                  "e.g. \"price_usd < 20\"."),
        file: Path = typer.Option(None, "--file", exists=True, dir_okay=False,
                                  help="Read ASINs from this file, one per line."),
        json_out: bool = typer.Option(False, "--json", help="Shortcut for --format json."),
    ) -> None:
        """List the k nearest listings of ASIN (itself excluded) with distance, title,
        category and price. Unknown ASIN: error, exit 1."""
        from emma_fs.errors import QueryError
        from emma_fs.features.neighbors import neighbors_many

        if json_out:
            STATE.format = OutputFormat.json
        asins = [asin] if asin else []
        if file is not None:
            asins += [line.strip() for line in file.read_text().splitlines() if line.strip()]
        if not asins:
            raise QueryError("give an ASIN or --file FILE")
        rows = neighbors_many(STATE.workspace(), asins, k, space, where)
        render.records(rows, columns=(["query", *COLUMNS] if len(asins) > 1 else COLUMNS),
                       title=f"Nearest in {space} space")
