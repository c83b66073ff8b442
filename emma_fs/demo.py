"""The main job on the embedded default: the whole pipeline on generated demo data.

:func:`run_demo` creates (or reuses) a workspace, generates raw sources, and runs every stage
through :class:`~emma_fs.project.Project`, collecting what a user wants to see at the end:
counts that reconcile, dataset statistics, the model metrics table and a neighbours result.
Stages are idempotent, so a second run reuses what is already there (ingest skips unchanged
files, the transform engine rebuilds nothing, embeddings are incremental).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emma_fs import workspace as ws_mod
from emma_fs.progress import SILENT, Progress
from emma_fs.project import Project


@dataclass
class DemoResult:
    """Sections of the demo's final report, each a list of records or one summary dict."""

    workspace: Path
    sections: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _synth_if_needed(project: Project, objects: int, seed: int) -> dict[str, Any]:
    """Generate the raw folder unless one from the same objects/seed is already there."""
    stamp = project.ws.raw_dir / ".demo-synth.json"
    wanted = {"objects": objects, "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text()).get("params") == wanted:
        return json.loads(stamp.read_text())["summary"]
    summary = project.synth(objects, seed=seed)
    stamp.write_text(json.dumps({"params": wanted, "summary": summary}, default=str))
    return summary


def run_demo(directory: Path, *, objects: int = 2000, seed: int = 0,
             progress: Progress = SILENT) -> DemoResult:
    """Run the pipeline on a generated dataset in ``directory`` and collect the report."""
    ws = ws_mod.init(directory)
    project = Project(ws, progress)
    result = DemoResult(workspace=ws.root)

    def step(name: str):
        progress.info(f"[bold]» {name}[/bold]")
        return _Timer(result.timings, name)

    with step("synth"):
        synth = _synth_if_needed(project, objects, seed)
    with step("ingest"):
        report = project.ingest()
    with step("transform"):
        project.transform()

    result.sections["sources"] = [
        {"raw_table": r["raw_table"], "lines_read": r["lines_read"],
         "ingested": r["rows_ingested"], "rejected": r["rows_rejected"]}
        for r in _ingest_totals(project, report)]
    result.sections["dataset"] = _dataset_counts(project, synth)
    return result


def _ingest_totals(project: Project, report: Any) -> list[dict[str, Any]]:
    """Per raw table counts over everything ingested so far (not just this run's files)."""
    return project.query(
        "SELECT raw_table, sum(lines_read) AS lines_read, sum(rows_ingested) AS rows_ingested, "
        "sum(rows_rejected) AS rows_rejected FROM ingest_files GROUP BY raw_table "
        "ORDER BY raw_table")


def _dataset_counts(project: Project, synth: dict[str, Any]) -> dict[str, Any]:
    coverage = project.query("SELECT * FROM dataset_coverage")[0]
    splits = {r["split"]: r["listings"] for r in project.query("SELECT * FROM split_counts")}
    dropped = {r["rule"]: r["n"] for r in project.query(
        "SELECT rule, count(*) AS n FROM decisions GROUP BY rule ORDER BY n DESC")}
    return {"objects generated": synth.get("objects"), "listings": coverage.get("listings"),
            **{f"coverage {k}": v for k, v in coverage.items() if k != "listings"},
            **{f"split {k}": v for k, v in splits.items()},
            **{f"dropped: {k}": v for k, v in dropped.items()}}


class _Timer:
    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = round(time.perf_counter() - self.start, 2)
