"""Discovery of raw source files under a raw folder (docs/contracts.md section 1).

Maps each file to the raw table it feeds by folder and file name only; never looks inside
files and never enters ``truth/`` (hidden ground truth for evaluation). Paths are reported
relative to the raw folder (POSIX form): that relative path is the ``source_file`` key of the
raw tables, so moving the folder does not duplicate rows.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from emma_fs.errors import InputFileError


@dataclass(frozen=True)
class SourceSpec:
    """One kind of raw source: where its files live and how they are loaded.

    ``fmt`` is ``jsonl`` (one JSON object per line), ``csv`` (image2mass) or ``images``.
    ``key`` names the JSON field every record must carry as a string (the listing key).
    """

    raw_table: str
    folder: str
    patterns: tuple[str, ...]
    fmt: str
    key: str | None = None
    exclude: tuple[str, ...] = ()


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec("raw_ucsd2018_meta", "ucsd2018", ("meta_*.json", "meta_*.json.gz"), "jsonl", "asin"),
    SourceSpec("raw_ucsd2018_reviews", "ucsd2018", ("*.json", "*.json.gz"), "jsonl", "asin",
               exclude=("meta_*",)),
    SourceSpec("raw_amazon2023_meta", "amazon2023", ("meta_*.jsonl", "meta_*.jsonl.gz"), "jsonl",
               "parent_asin"),
    SourceSpec("raw_amazon2023_reviews", "amazon2023", ("*.jsonl", "*.jsonl.gz"), "jsonl",
               "parent_asin", exclude=("meta_*",)),
    SourceSpec("raw_spapi_items", "spapi", ("*.jsonl", "*.jsonl.gz"), "jsonl", "asin"),
    SourceSpec("raw_image2mass", "image2mass", ("*.csv", "*.csv.gz"), "csv"),
)
IMAGES_SPEC = SourceSpec("raw_images", "images", ("*.jpg",), "images")
ALL_SPECS: tuple[SourceSpec, ...] = (*SPECS, IMAGES_SPEC)
IMAGE2MASS_COLUMNS = ("asin", "title", "weight_lb", "length_in", "width_in", "height_in",
                      "image_url")


@dataclass(frozen=True)
class SourceFile:
    """A discovered raw file: absolute ``path``, ``source_file`` key relative to the raw folder."""

    path: Path
    source_file: str
    spec: SourceSpec

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


@dataclass(frozen=True)
class Discovery:
    """Everything found under a raw folder: source files in a stable order, the image folder
    (None when there are no images), and files in source folders that match no pattern."""

    raw_dir: Path
    files: tuple[SourceFile, ...]
    images_dir: Path | None
    ignored: tuple[str, ...] = ()


def _spec_for(folder: str, name: str) -> SourceSpec | None:
    for spec in SPECS:
        if spec.folder != folder:
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in spec.exclude):
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in spec.patterns):
            return spec
    return None


def discover(raw_dir: Path) -> Discovery:
    """Find every known raw source under ``raw_dir``; raise InputFileError when there is none."""
    raw_dir = Path(raw_dir).expanduser()
    if not raw_dir.is_dir():
        raise InputFileError(
            f"raw folder {raw_dir} does not exist or is not a folder",
            hint="pass the folder written by `emma-fs synth` (or holding ucsd2018/, amazon2023/, "
            "spapi/, image2mass/, images/)",
        )
    raw_dir = raw_dir.resolve()
    files: list[SourceFile] = []
    ignored: list[str] = []
    for folder in sorted({s.folder for s in SPECS}):
        sub = raw_dir / folder
        if not sub.is_dir():
            continue
        for path in sorted(sub.iterdir()):
            # a dangling symlink is kept: it becomes an "unreadable file" reject, not a silence
            is_candidate = path.is_file() or (path.is_symlink() and not path.exists())
            spec = _spec_for(folder, path.name) if is_candidate else None
            if spec is not None:
                files.append(SourceFile(path, f"{folder}/{path.name}", spec))
            else:
                ignored.append(f"{folder}/{path.name}")
    images_dir = raw_dir / IMAGES_SPEC.folder
    has_images = images_dir.is_dir() and next(images_dir.rglob("*.jpg"), None) is not None
    if not files and not has_images:
        raise InputFileError(
            f"no known raw sources under {raw_dir}",
            hint="expected files such as ucsd2018/meta_*.json.gz, amazon2023/*.jsonl.gz, "
            "spapi/*.jsonl.gz, image2mass/*.csv or images/**/*.jpg (see docs/contracts.md)",
        )
    return Discovery(raw_dir, tuple(files), images_dir if has_images else None, tuple(ignored))
