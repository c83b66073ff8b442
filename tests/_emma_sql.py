"""Shared by the EMMa SQL tests: a private copy of the shipped sql dir (every file in it must
load, so a broken transform fails these tests instead of being skipped)."""

from __future__ import annotations

import shutil
from pathlib import Path

from emma_fs.workspace import SHIPPED_SQL_DIR


def sql_dir_copy(dest: Path) -> Path:
    """The shipped sql dir (transforms and seeds) copied to ``dest``."""
    shutil.copytree(SHIPPED_SQL_DIR, dest, ignore=shutil.ignore_patterns("ingest", "*.md"))
    return dest
