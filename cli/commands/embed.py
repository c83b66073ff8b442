"""`emma-fs embed text|image|reviews`: pretrained embeddings of listings into LanceDB."""

from __future__ import annotations

from enum import Enum, StrEnum

import typer

from cli import render
from cli.state import STATE

app = typer.Typer(help="Embed listings (text, images, reviews) with pretrained models into "
                  "LanceDB tables keyed by ASIN; only new or changed listings are embedded.",
                  no_args_is_help=True)


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


DEVICE = typer.Option(None, "--device", help="auto | cpu | cuda (default: [embed] device).")
BATCH = typer.Option(None, "--batch-size", min=1, help="Items per model batch.")
THREADS = typer.Option(None, "--threads", min=0, help="Torch CPU threads (0 = default).")


def _settings(**overrides):  # noqa: ANN202 - returns EmbedSettings, imported lazily
    from emma_fs.embeddings.settings import EmbedSettings

    overrides = {k: (v.value if isinstance(v, Enum) else v) for k, v in overrides.items()}
    return EmbedSettings.from_section(STATE.workspace().section("embed"), **overrides)


@app.command("text")
def text_cmd(device: Device | None = DEVICE, batch_size: int | None = BATCH,
             threads: int | None = THREADS,
             model: str | None = typer.Option(None, "--model", help="Local sentence-"
                                              "transformers folder (default: [embed] "
                                              "text_model, else all-MiniLM-L6-v2).")) -> None:
    """Embed listing_text (sentence-transformers) into `text_embeddings` ([embed] source)."""
    from emma_fs.embeddings.text import embed_text

    settings = _settings(device=device, text_batch_size=batch_size, threads=threads,
                         text_model=model)
    result = embed_text(STATE.workspace(), STATE.progress(), settings=settings)
    render.summary(result.as_dict(), title="Text embeddings")


@app.command("image")
def image_cmd(device: Device | None = DEVICE, batch_size: int | None = BATCH,
              threads: int | None = THREADS,
              workers: int | None = typer.Option(None, "--workers", min=0,
                                                 help="Image decode worker processes."),
              model: str | None = typer.Option(None, "--model", help="timm architecture "
                                               "(default tf_efficientnet_lite0)."),
              checkpoint: str | None = typer.Option(None, "--checkpoint", help="Weights "
                                                    "file for --model.")) -> None:
    """Embed listing images (sum of per-image timm features) into `image_embeddings`."""
    from emma_fs.embeddings.image import embed_images

    settings = _settings(device=device, image_batch_size=batch_size, threads=threads,
                         num_workers=workers, image_model=model, image_checkpoint=checkpoint)
    result = embed_images(STATE.workspace(), STATE.progress(), settings=settings)
    render.summary(result.as_dict(), title="Image embeddings")


@app.command("reviews")
def reviews_cmd(device: Device | None = DEVICE, batch_size: int | None = BATCH,
                threads: int | None = THREADS) -> None:
    """Embed review_texts, mean-pooled per listing, into `review_embeddings`."""
    from emma_fs.embeddings.reviews import embed_reviews

    settings = _settings(device=device, text_batch_size=batch_size, threads=threads)
    result = embed_reviews(STATE.workspace(), STATE.progress(), settings=settings)
    render.summary(result.as_dict(), title="Review embeddings")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="embed")
