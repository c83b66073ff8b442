"""`emma-fs train MODEL`, `emma-fs eval`, `emma-fs fill --gen N`: models, Table 1, filling in."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from cli import render
from cli.state import STATE


class ModelType(StrEnum):
    single_image = "single_image"
    text = "text"
    everything = "everything"
    object_embedding = "object-embedding"


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train_cmd(
        model: ModelType = typer.Argument(..., help="Model type: single_image, text, "
                                          "everything (AllToX late fusion) or object-embedding "
                                          "(the bottleneck autoencoder of paper section 5)."),
        gen: int = typer.Option(1, "--gen", "-g", help="Generation: 2+ trains on the "
                                "previous generation's filled data."),
        profile: str = typer.Option("demo", help="Config profile in models/ (demo|paper)."),
        config: Path | None = typer.Option(None, help="A TOML config file (overrides "
                                           "--profile)."),
        device: Device = typer.Option(Device.auto, help="auto, cpu or cuda."),
        epochs: int | None = typer.Option(None, help="Override the profile's epochs."),
        batch_size: int | None = typer.Option(None, help="Override the batch size."),
        threads: int = typer.Option(0, min=0, help="Torch CPU threads (0 = torch default; 1 "
                                    "avoids spin-wait collapse on a busy machine)."),
    ) -> None:
        """Train a multi-task model (price, mass, materials, category, ratings); writes a
        checkpoint and a model card to the workspace models dir."""
        from emma_fs.training.pipeline import train_model

        if threads:
            import torch

            torch.set_num_threads(threads)
        if model is ModelType.object_embedding:
            from emma_fs.labeling.object_embedding import train_object_embedding

            report = train_object_embedding(STATE.workspace(), STATE.progress(),
                                            **({"epochs": epochs} if epochs else {}),
                                            **({"batch_size": batch_size} if batch_size else {}))
            render.summary(report, title="Object embedding")
            return

        card = train_model(STATE.workspace(), model.value, gen=gen,
                           profile=config or profile, device=device.value,
                           overrides={"epochs": epochs, "batch_size": batch_size},
                           progress=STATE.progress())
        render.summary({"model": card["model_type"], "generation": card["generation"],
                        "fingerprint": card["fingerprint"], "device": card["device"],
                        **card["training"], **{f"test_{k}": v for k, v in
                                               card["metrics"].get("test", {}).items()}},
                       title="Trained")

    @app.command("eval")
    def eval_cmd(
        truth: Path | None = typer.Option(None, help="Hidden truth Parquet to score the "
                                          "filled-in values against (never found "
                                          "automatically)."),
        split: str = typer.Option("test", help="Split to report."),
    ) -> None:
        """Table 1 on the test split: one row per model type and generation plus baselines;
        calibration (ECE before/after) and, with --truth, filled labels vs the truth."""
        from emma_fs.training.evaluate import filled_rows
        from emma_fs.training.pipeline import evaluate_models

        res = evaluate_models(STATE.workspace(), truth=truth, split=split,
                              progress=STATE.progress())
        if STATE.format.value == "json":
            render.summary(res)
            return
        render.records(res["table1"], title=f"Table 1 ({res['split']}, {res['items']} items)")
        if res["generations"]:
            render.records(res["generations"], title="Does a later generation help? "
                           "(change vs the previous one; > 0 is better)")
        if res["calibration"]:
            render.records(res["calibration"], title="Calibration (calibration split)")
        if res["filled_vs_truth"]:
            render.records(filled_rows(res["filled_vs_truth"]),
                           title="Filled-in values vs truth (items whose value was missing)")

    @app.command("fill")
    def fill_cmd(
        gen: int = typer.Option(1, "--gen", "-g", help="Use everything-gen<N> to fill."),
        device: Device = typer.Option(Device.auto, help="auto, cpu or cuda."),
    ) -> None:
        """Fill in every missing attribute with the Everything model of a generation:
        writes filled_attributes (with provenance) and material_probs, then enforces
        taxonomy consistency (sql/materials_consistency.sql) and audits it."""
        from emma_fs.training.fill import fill

        render.summary(fill(STATE.workspace(), gen, STATE.progress(), device=device.value),
                       title="Filled")
