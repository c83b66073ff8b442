"""`emma-fs dedup [report|mismatch]`: near-duplicate candidates and text/image mismatch."""

from __future__ import annotations

from enum import StrEnum

import typer

from cli import render
from cli.state import STATE

app = typer.Typer(help="Find near-duplicate listings in the text and image embedding spaces "
                  "(writes dedup_candidates and text_image_mismatch).")


class Modality(StrEnum):
    text = "text"
    image = "image"


def _settings(**overrides):  # noqa: ANN202 - returns DedupSettings, imported lazily
    from emma_fs.dedup.settings import DedupSettings

    return DedupSettings.from_section(STATE.workspace().section("dedup"), **overrides)


@app.callback(invoke_without_command=True)
def dedup_cmd(
    ctx: typer.Context,
    text_threshold: float | None = typer.Option(None, help="Cosine threshold, text space."),
    image_threshold: float | None = typer.Option(None, help="Cosine threshold, image space."),
    modality: list[Modality] | None = typer.Option(None, help="Only these spaces (repeat)."),
    probes: int | None = typer.Option(None, min=1, help="Clusters each vector probes."),
    mismatch: bool = typer.Option(True, help="Also score text/image mismatch."),
) -> None:
    """Replace dedup_candidates with pairs at or above the thresholds (default: [dedup])."""
    if ctx.invoked_subcommand is not None:
        return
    from emma_fs.dedup.candidates import find_candidates
    from emma_fs.dedup.mismatch import compute_mismatch

    ws, progress = STATE.workspace(), STATE.progress()
    settings = _settings(text_threshold=text_threshold, image_threshold=image_threshold,
                         probes=probes)
    chosen = tuple(m.value for m in modality) if modality else None
    rows = find_candidates(ws, progress, modalities=chosen, settings=settings)
    if mismatch and {"text", "image"} <= {r["modality"] for r in rows}:
        result = compute_mismatch(ws, progress, settings=settings)
        rows.append({"modality": "text-image mismatch", "vectors": result["listings"],
                     "embedding_version": result["version"],
                     "table_version": result.get("table_version", result.get("skipped"))})
    render.records(rows, title="Dedup candidates")


@app.command("report")
def report_cmd(
    modality: Modality = typer.Option(Modality.text, help="Space to inspect."),
    threshold: float | None = typer.Option(None, help="Threshold to judge (default: [dedup])."),
    bins: int = typer.Option(10, min=1, help="Histogram bins."),
    sample: int = typer.Option(10, min=0, help="Pairs to show nearest the threshold."),
) -> None:
    """Histogram of pair similarities near the threshold and sample pairs with titles."""
    from emma_fs.dedup.report import dedup_report

    report = dedup_report(STATE.workspace(), modality.value, STATE.progress(),
                          settings=_settings(), threshold=threshold, bins=bins, sample=sample)
    if STATE.format.value == "json":
        render.summary(report)
        return
    render.records(report["histogram"], title=f"{modality.value} pairs by similarity "
                   f"(threshold {report['threshold']})")
    render.records(report["pairs"], title="Pairs nearest the threshold")


@app.command("mismatch")
def mismatch_cmd() -> None:
    """Recompute text_image_mismatch (ridge map from image to text vectors)."""
    from emma_fs.dedup.mismatch import compute_mismatch

    render.summary(compute_mismatch(STATE.workspace(), STATE.progress(), settings=_settings()),
                   title="Text/image mismatch")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="dedup")
