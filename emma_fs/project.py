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
