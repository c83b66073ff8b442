"""`emma-fs label ...`: Smart Labeling of a new binary property (paper section 5).

Thin skin over :mod:`emma_fs.labeling`: every command parses options, calls one library
function and renders. Labeling modes run interactively on a terminal, from a scripted answers
file with ``--answers FILE`` (``-`` = stdin, read line by line), or, when neither applies, just
print the next page of candidates.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cli import render
from cli.state import STATE, OutputFormat

app = typer.Typer(help="Smart Labeling: add a binary property to every object.",
                  no_args_is_help=True)

ANSWERS_HELP = ("Scripted answers: lines `asin,label` (label 1|0|skip), `undo`, `next`; "
                "`-` reads stdin. Each answer is committed as it is read.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="label")


def _open():
    from emma_fs import db

    ws = STATE.workspace()
    return ws, db.connect(ws.duckdb_path)


def _run_mode(prop: str, mode: str, answers: Path | None, page_size: int, seed: int,
              space: str | None, **kw) -> None:
    from emma_fs.labeling.session import LabelSession

    ws, con = _open()
    try:
        session = LabelSession(ws, con, prop, mode, page_size=page_size, seed=seed, space=space,
                               progress=STATE.progress(), **kw)
        if answers is not None:
            _scripted(session, answers)
        elif sys.stdin.isatty() and sys.stdout.isatty() and STATE.format is OutputFormat.table:
            import click
            from rich.console import Console

            from emma_fs.labeling.terminal import run_interactive

            render.summary(run_interactive(session, Console(), click.getchar), title="Session")
        else:
            page = session.next_page()
            render.message(f"{mode} page {page.number}: {page.note} (nothing recorded; "
                           "answer with --answers FILE)")
            render.records([it.to_dict() for it in page.items], title=f"{prop}: {mode}")
    finally:
        con.close()


def _scripted(session, answers: Path) -> None:  # noqa: ANN001 - a LabelSession
    from emma_fs.errors import InputFileError
    from emma_fs.labeling.session import run_scripted

    def ack(event: dict) -> None:
        render.message(f"saved {event['asin']} {event['label']} (event {event['event_id']})")

    if str(answers) == "-":
        stats = run_scripted(session, iter(sys.stdin.readline, ""), source="stdin",
                             on_saved=ack)
    else:
        try:
            handle = answers.open(encoding="utf-8")
        except OSError as exc:
            raise InputFileError(f"cannot read answers file {answers}: {exc.strerror}") from exc
        with handle:
            stats = run_scripted(session, handle, source=str(answers), on_saved=ack)
    render.summary(stats, title="Answers recorded")


PAGE = typer.Option(20, "--page-size", "-n", min=1, help="Objects per page.")
SEED = typer.Option(0, "--seed", help="Random seed (candidate order).")
SPACE = typer.Option(None, "--space", help="Embedding space (default: object).")
ANSWERS = typer.Option(None, "--answers", "-a", help=ANSWERS_HELP)


@app.command("features")
def features_cmd(
    prop: str = typer.Argument(..., help="Property, e.g. is_container."),
    words: list[str] = typer.Argument(None, help="Words or RE2 regexes (case-insensitive)."),
    add: bool = typer.Option(False, "--add", help="Add WORDS as keyword features."),
    remove: bool = typer.Option(False, "--remove", help="Remove WORDS."),
    refresh: bool = typer.Option(False, "--refresh", help="Recompute hits of all features."),
) -> None:
    """Add, remove or list keyword text-match features (matched over listing_text)."""
    from emma_fs.errors import LabelingError
    from emma_fs.labeling import features

    if add and remove:
        raise LabelingError("give either --add or --remove, not both")
    if (add or remove) and not words:
        raise LabelingError("--add/--remove need at least one WORD")
    ws, con = _open()
    try:
        if add:
            features.add(con, prop, list(words))
        elif remove:
            features.remove(con, prop, list(words))
        elif refresh:
            features.refresh(con, prop)
        render.records(features.summary(con, prop), title=f"{prop}: keyword features")
    finally:
        con.close()


@app.command("search")
def search_cmd(prop: str = typer.Argument(...), word: str = typer.Argument(
        ..., help="Word or RE2 regex searched in listing_text."),
        answers: Path | None = ANSWERS, page_size: int = PAGE, seed: int = SEED,
        space: str | None = SPACE) -> None:
    """Seed the training set: matching objects in random order."""
    _run_mode(prop, "search", answers, page_size, seed, space, word=word)


@app.command("active")
def active_cmd(prop: str = typer.Argument(...), answers: Path | None = ANSWERS,
               page_size: int = PAGE, seed: int = SEED, space: str | None = SPACE) -> None:
    """Uncertainty sampling: retrain after each page, show objects closest to p=0.5."""
    _run_mode(prop, "active", answers, page_size, seed, space)


@app.command("correct")
def correct_cmd(prop: str = typer.Argument(...), prob_range: str = typer.Option(
        "0.5-1.0", "--range", help="Probability range LO-HI of the candidates."),
        answers: Path | None = ANSWERS, page_size: int = PAGE, seed: int = SEED,
        space: str | None = SPACE) -> None:
    """Correction: random objects whose predicted probability lies in --range."""
    from emma_fs.errors import LabelingError

    try:
        lo, hi = (float(x) for x in prob_range.split("-"))
    except ValueError as exc:
        raise LabelingError(f"invalid --range {prob_range!r}", hint="use LO-HI, e.g. 0.1-0.5") \
            from exc
    _run_mode(prop, "correct", answers, page_size, seed, space, prob_range=(lo, hi))


@app.command("review")
def review_cmd(prop: str = typer.Argument(...), answers: Path | None = ANSWERS,
               page_size: int = PAGE, folds: int = typer.Option(20, "--folds", min=2),
               seed: int = SEED, space: str | None = SPACE) -> None:
    """Review labels: grouped k-fold CV ranks labeled objects by likely mislabeling."""
    _run_mode(prop, "review", answers, page_size, seed, space, folds=folds)


@app.command("status")
def status_cmd(prop: str = typer.Argument(...), folds: int = typer.Option(10, "--folds", min=2),
               space: str | None = SPACE) -> None:
    """Labels so far, cross-validated precision/recall/F1, predicted positive rate."""
    from emma_fs.labeling.status import property_status

    ws, con = _open()
    try:
        render.summary(property_status(ws, con, prop, folds=folds, space=space), title=prop)
    finally:
        con.close()


@app.command("apply")
def apply_cmd(prop: str = typer.Argument(...), space: str | None = SPACE) -> None:
    """Write a probabilistic label for every object (smart_labels + Parquet export)."""
    from emma_fs.labeling.apply import apply_property

    ws, con = _open()
    try:
        render.summary(apply_property(ws, con, prop, space=space, progress=STATE.progress()),
                       title=f"{prop} applied")
    finally:
        con.close()


@app.command("simulate")
def simulate_cmd(
    props: list[str] = typer.Argument(..., help="Properties to simulate (sharp, transparent, "
                                      "deformable, articulating, electronic)."),
    truth: Path = typer.Option(..., "--truth", help="Truth parquet (asin + property columns)."),
    budget: int = typer.Option(1500, "--budget", min=20, help="Oracle labels per strategy."),
    noise: float = typer.Option(0.0, "--noise", min=0.0, max=0.5,
                                help="Probability that the oracle answers wrongly."),
    test_size: int = typer.Option(1000, "--test-size", min=20, help="Uniform test sample."),
    target_f1: float = typer.Option(90.0, "--target-f1", min=1.0, max=100.0,
                                    help="F1 (%) whose label cost is compared."),
    random_cap: float = typer.Option(3.0, "--random-cap", min=1.0,
                                     help="Random sampling may go on to this x budget to "
                                     "reach --target-f1."),
    repeats: int = typer.Option(1, "--repeats", min=1, help="Runs per strategy (other "
                                "search orders and random pages); labels-to-F1 is read off "
                                "the mean curves."),
    page_size: int = PAGE, seed: int = SEED, space: str | None = SPACE,
) -> None:
    """Play the labeler with the hidden truth: Table 3 and the labels needed to reach F1 0.9
    with uncertainty vs random sampling."""
    from emma_fs.labeling.simulate import SimConfig, simulate

    cfg = SimConfig(budget=budget, noise=noise, test_size=test_size, page_size=page_size,
                    seed=seed, target_f1=target_f1, random_cap=random_cap, repeats=repeats)
    ws, con = _open()
    try:
        rows = simulate(ws, con, list(props), truth, cfg, space=space, progress=STATE.progress())
    finally:
        con.close()
    out = [{k: v for k, v in r.items() if not k.startswith("curve_")} for r in rows]
    if STATE.format is OutputFormat.table:  # say "more than N" where random never got there
        for r in out:
            if r["labels_to_target_random"] is None:
                r["labels_to_target_random"] = f"> {r['random_labels_max']}"
    render.records(out, title="Smart Labeling simulation (Table 3)")


@app.command("embed")
def embed_cmd(
    dim: int = typer.Option(512, "--dim", min=2, help="Object embedding size (paper: 2048; "
                            "512 keeps category and materials, 128 loses much of them)."),
    epochs: int = typer.Option(30, "--epochs", min=1),
    min_steps: int = typer.Option(2000, "--min-steps", min=0, help="Small datasets train "
                                  "for at least this many optimizer steps (more epochs)."),
    batch_size: int = typer.Option(512, "--batch-size", min=1),
    lr: float = typer.Option(3e-3, "--lr"),
    seed: int = SEED,
    max_rows: int | None = typer.Option(None, "--max-rows", help="Train on a prefix only."),
    threads: int = typer.Option(1, "--threads", min=0, help="Torch CPU threads (0 = torch "
                                "default; 1 avoids OpenMP spin-wait collapse on busy hosts)."),
) -> None:
    """Train the object embedding (alias of `emma-fs train object-embedding`)."""
    from emma_fs.labeling.object_embedding import train_object_embedding

    report = train_object_embedding(STATE.workspace(), STATE.progress(), dim=dim, epochs=epochs,
                                    batch_size=batch_size, lr=lr, seed=seed, max_rows=max_rows,
                                    threads=threads or None, min_steps=min_steps)
    render.summary(report, title="Object embedding")
