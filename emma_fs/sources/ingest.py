"""Ingestion of a raw source folder into the DuckDB raw tables (`emma-fs ingest DIR`).

:func:`ingest` discovers the files (:mod:`ingest_discovery`, contracts section 1), loads each
with DuckDB's own readers (:mod:`ingest_jsonl`, :mod:`ingest_csv`, :mod:`ingest_images`;
damaged files through the streaming fallback of :mod:`ingest_salvage`) and commits it in one
transaction (:mod:`ingest_store`): a file's rows are replaced as a whole, a file whose content
hash is unchanged is skipped, malformed records land in ``ingest_rejects`` with a reason, and
for every file ``lines_read = rows_ingested + rows_rejected`` (a damaged tail or an unreadable
file counts as one rejected line). Each raw table's content version goes to
``_emma_source_versions``. The ``truth/`` folder is never read.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emma_fs.db import bootstrap
from emma_fs.progress import SILENT, Progress
from emma_fs.sources.ingest_csv import stage_image2mass
from emma_fs.sources.ingest_discovery import ALL_SPECS, IMAGES_SPEC, SourceFile, discover
from emma_fs.sources.ingest_images import IMAGES_SOURCE_FILE, list_images, stage_images
from emma_fs.sources.ingest_jsonl import stage_json_lines
from emma_fs.sources.ingest_salvage import UnreadableFile
from emma_fs.sources.ingest_store import (
    commit_file,
    drop_staging,
    ensure_schema,
    few_checkpoints,
    previous_entry,
    stage_file_reject,
    update_table_versions,
)

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class FileResult:
    """What ingest did with one source file.

    ``status``: ``new`` | ``replaced`` (content changed) | ``unchanged`` (skipped; counts are 0
    and ``skipped_rows`` holds the rows already loaded) | ``unreadable`` (one reject row).
    ``method``: ``duckdb`` (bulk reader), ``salvage`` (streaming fallback), ``hashlib`` (the
    image index), ``skip`` or ``none``.
    """

    source_file: str
    raw_table: str
    status: str
    method: str
    lines_read: int
    rows_ingested: int
    rows_rejected: int
    skipped_rows: int
    bytes: int
    seconds: float
    note: str = ""


@dataclass
class IngestReport:
    """Per-file results of one ingest run plus the raw tables' content versions."""

    raw_dir: Path
    files: list[FileResult] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per file, for rendering."""
        return [{k: (round(v, 3) if k == "seconds" else v) for k, v in asdict(f).items()}
                for f in self.files]

    def table_rows(self) -> list[dict[str, Any]]:
        """One dict per raw table touched: files, files unchanged, and summed counts."""
        out: dict[str, dict[str, Any]] = {}
        for f in self.files:
            t = out.setdefault(f.raw_table, {
                "raw_table": f.raw_table, "files": 0, "files_unchanged": 0, "lines_read": 0,
                "rows_ingested": 0, "rows_rejected": 0, "skipped_rows": 0, "bytes": 0,
                "seconds": 0.0})
            t["files"] += 1
            t["files_unchanged"] += f.status == "unchanged"
            for k in ("lines_read", "rows_ingested", "rows_rejected", "skipped_rows", "bytes"):
                t[k] += getattr(f, k)
            t["seconds"] = round(t["seconds"] + f.seconds, 3)
        return list(out.values())

    @property
    def rows_ingested(self) -> int:
        return sum(f.rows_ingested for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes (raises OSError when unreadable)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _load_one(con: duckdb.DuckDBPyConnection, *, source_file: str, raw_table: str,
              sha: str | None, size: int, stage: Callable[[], tuple[str, str]],
              unreadable: str | None = None, whole_table: bool = False) -> FileResult:
    """Skip when unchanged, else stage (or stage a whole-file reject) and commit."""
    t0 = time.perf_counter()
    prev = previous_entry(con, source_file)
    if prev is not None and sha is not None and prev[0] == sha:
        return FileResult(source_file, raw_table, "unchanged", "skip", 0, 0, 0, prev[2], size,
                          time.perf_counter() - t0)
    status = "new" if prev is None else "replaced"
    note = ""
    try:
        if unreadable is not None:
            raise UnreadableFile(unreadable)
        method, note = stage()
    except UnreadableFile as exc:
        stage_file_reject(con, raw_table, f"unreadable file: {exc}")
        status, method, note = "unreadable", "none", str(exc)
    try:
        lines, ingested, rejected = commit_file(
            con, source_file=source_file, raw_table=raw_table, sha256=sha, size=size,
            fresh=prev is None, whole_table=whole_table)
    finally:
        drop_staging(con)
    return FileResult(source_file, raw_table, status, method, lines, ingested, rejected, 0, size,
                      time.perf_counter() - t0, note)


def _ingest_file(con: duckdb.DuckDBPyConnection, src: SourceFile) -> FileResult:
    sha: str | None = None
    unreadable: str | None = None
    try:
        sha = file_sha256(src.path)
    except OSError as exc:
        unreadable = f"cannot read file: {exc.strerror or exc}"
    spec = src.spec
    if spec.fmt == "csv":
        def stage() -> tuple[str, str]:
            return stage_image2mass(con, src.path)
    else:
        def stage() -> tuple[str, str]:
            return stage_json_lines(con, src.path, spec.key or "asin")
    return _load_one(con, source_file=src.source_file, raw_table=spec.raw_table, sha=sha,
                     size=src.size, stage=stage, unreadable=unreadable)


def ingest(con: duckdb.DuckDBPyConnection, raw_dir: Path, progress: Progress = SILENT,
           ) -> IngestReport:
    """Load every known raw source under ``raw_dir`` into the raw tables of ``con``.

    Raises :class:`~emma_fs.errors.InputFileError` when ``raw_dir`` does not exist or holds no
    known source. Re-ingesting unchanged files is a no-op; a changed file replaces its rows.
    """
    found = discover(raw_dir)
    bootstrap(con)
    ensure_schema(con)
    report = IngestReport(found.raw_dir)
    if found.ignored:
        progress.info(f"ignored {len(found.ignored)} files matching no source pattern: "
                      + ", ".join(found.ignored[:5]) + (" ..." if len(found.ignored) > 5 else ""))
    images = list_images(con, found.images_dir) if found.images_dir else None
    total = sum(f.size for f in found.files) + (images.n_bytes if images else 0)
    with (progress.task(f"ingest {len(found.files)} files (bytes)", total=total) as bar,
          few_checkpoints(con)):
        for src in found.files:
            result = _ingest_file(con, src)
            if result.method == "salvage":
                progress.info(f"{src.source_file}: DuckDB's reader refused it ({result.note}); "
                              "read with the streaming fallback")
            elif result.status == "unreadable":
                progress.info(f"{src.source_file}: unreadable ({result.note})")
            report.files.append(result)
            bar.advance(src.size)
        if found.images_dir is not None:
            images_dir = found.images_dir
            report.files.append(_load_one(
                con, source_file=IMAGES_SOURCE_FILE, raw_table=IMAGES_SPEC.raw_table,
                sha=images.fingerprint if images else None,
                size=images.n_bytes if images else 0, whole_table=True,
                stage=lambda: stage_images(con, images_dir),
                unreadable=None if images else "cannot list the image folder"))
            bar.advance(images.n_bytes if images else 0)
    report.versions = update_table_versions(con, [s.raw_table for s in ALL_SPECS])
    return report
