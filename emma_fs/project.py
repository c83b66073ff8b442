"""The facade: one :class:`Project` per workspace, the object the CLI, tests and notebooks call.

Each method runs one stage by calling that stage's package (sources, transforms, embeddings,
dedup, training, features, labeling) with the workspace's paths and the caller's progress
reporter. Stages exchange data only through the workspace's tables and files (see
docs/contracts.md), so the facade holds no state beyond the workspace itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from emma_fs.progress import SILENT, Progress
from emma_fs.workspace import Workspace

if TYPE_CHECKING:
    import duckdb

    from emma_fs.sources.ingest import IngestReport
    from emma_fs.transforms.engine import RunResult


class Project:
    """All emma-fs operations on one workspace."""

    def __init__(self, ws: Workspace, progress: Progress = SILENT) -> None:
        self.ws = ws
        self.progress = progress

    # -- raw data -----------------------------------------------------------------------
    def synth(self, n_objects: int, seed: int = 0, images: str = "all",
              out: Path | None = None) -> dict[str, Any]:
        """Generate raw sources (default: into the workspace's raw folder)."""
        from emma_fs.sources.synth import generate

        return generate(out or self.ws.raw_dir, n_objects, seed=seed, images=images,
                        progress=self.progress)

    def ingest(self, raw_dir: Path | None = None) -> IngestReport:
        """Load raw sources into the workspace's DuckDB raw tables."""
        from emma_fs.sources.ingest import ingest

        with self.connect() as con:
            return ingest(con, raw_dir or self.ws.raw_dir, progress=self.progress)

    # -- SQL ------------------------------------------------------------------------------
    def transform(self, names: list[str] | None = None) -> RunResult:
        """Build the SQL transforms that changed, in dependency order."""
        from emma_fs.transforms.engine import Engine

        with Engine.for_workspace(self.ws, progress=self.progress) as engine:
            return engine.run(names)

    def query(self, sql: str) -> list[dict[str, Any]]:
        """A read-only query over the workspace database, as records."""
        from emma_fs.query import run_query

        return run_query(self.ws.duckdb_path, sql).to_pylist()

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        from emma_fs.db import connect

        return connect(self.ws.duckdb_path, read_only=read_only)

    # -- embeddings and dedup (loop 1: candidates feed the SQL bookkeeping) ---------------
    def embed(self, space: str, **overrides: Any) -> Any:
        """Embed new or changed listings in ``space`` (text | image | reviews)."""
        from emma_fs.embeddings.settings import EmbedSettings

        settings = EmbedSettings.from_section(self.ws.section("embed"), **overrides)
        if space == "text":
            from emma_fs.embeddings.text import embed_text as run
        elif space == "image":
            from emma_fs.embeddings.image import embed_images as run
        elif space in ("reviews", "review"):
            from emma_fs.embeddings.reviews import embed_reviews as run
        else:
            from emma_fs.errors import NotFound

            raise NotFound(f"unknown embedding space {space!r}", hint="text | image | reviews")
        return run(self.ws, self.progress, settings=settings)

    def dedup(self) -> list[dict[str, Any]]:
        """Write candidate near-duplicate pairs and text/image mismatch scores."""
        from emma_fs.dedup.candidates import find_candidates
        from emma_fs.dedup.mismatch import compute_mismatch

        pairs = find_candidates(self.ws, self.progress)
        compute_mismatch(self.ws, self.progress)
        return pairs

    # -- feature store --------------------------------------------------------------------
    def materialize(self, full: bool = False) -> dict[str, Any]:
        """Export to Parquet and load every feature view into the LanceDB online store."""
        from emma_fs.features.materialize import materialize

        return materialize(self.ws, full=full, progress=self.progress)

    def neighbors(self, asin: str, k: int = 10, space: str = "text",
                  where: str | None = None) -> list[dict[str, Any]]:
        """The ``k`` nearest listings of ``asin`` in ``space``, itself excluded."""
        from emma_fs.features.neighbors import neighbors

        return neighbors(self.ws, asin, k=k, space=space, where=where)

    # -- models (loop 2: filled attributes feed generation 2 through tables) --------------
    def train(self, model_type: str, *, gen: int = 1, profile: str = "demo",
              device: str = "auto", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Train one model type (single_image | text | everything); returns its model card."""
        from emma_fs.training.pipeline import train_model

        return train_model(self.ws, model_type, gen=gen, profile=profile, device=device,
                           overrides=overrides, progress=self.progress)

    def fill(self, gen: int = 1, device: str = "auto") -> dict[str, Any]:
        """Fill every missing attribute with generation ``gen``'s Everything models."""
        from emma_fs.training.fill import fill

        return fill(self.ws, gen, self.progress, device=device)

    def evaluate(self, truth: Path | None = None, split: str = "test") -> dict[str, Any]:
        """Table 1 of the paper plus baselines (and filled values vs ``truth`` if given)."""
        from emma_fs.training.pipeline import evaluate_models

        return evaluate_models(self.ws, truth=truth, split=split, progress=self.progress)

    # -- Smart Labeling (reads the object embedding and label tables, writes smart_labels) --
    def train_object_embedding(self, **settings: Any) -> dict[str, Any]:
        """Train the object embedding over every listing (``dim``, ``epochs``, ``threads``...)."""
        from emma_fs.labeling.object_embedding import train_object_embedding

        return train_object_embedding(self.ws, self.progress, **settings)

    def label_with_stand_in(self, prop: str, truth: Path, plan: Any) -> dict[str, Any]:
        """Label ``prop`` with answers taken from ``truth`` (the demo's stand-in labeller)."""
        from emma_fs.labeling.stand_in import label_with_truth

        with self.connect() as con:
            return label_with_truth(self.ws, con, prop, truth, plan, progress=self.progress)

    def label_status(self, prop: str) -> dict[str, Any]:
        """Labels so far and cross-validated precision / recall / F1 of ``prop``."""
        from emma_fs.labeling.status import property_status

        with self.connect() as con:
            return property_status(self.ws, con, prop)

    def label_apply(self, prop: str) -> dict[str, Any]:
        """A probabilistic ``prop`` label for every object in ``smart_labels`` (+ export)."""
        from emma_fs.labeling.apply import apply_property

        with self.connect() as con:
            return apply_property(self.ws, con, prop, progress=self.progress)
