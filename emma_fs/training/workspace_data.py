"""Where the training stage finds its inputs in a workspace.

The materials taxonomy is ``<sql dir>/seeds/materials_taxonomy.csv`` (falling back to the one
shipped with emma-fs); listings come from the ``listings`` view of the workspace DuckDB and
embeddings from ``<exports>/embeddings/*.parquet``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emma_fs.training.hierarchy import MaterialTree, default_taxonomy_path
from emma_fs.workspace import SHIPPED_SQL_DIR

if TYPE_CHECKING:
    from emma_fs.workspace import Workspace


def taxonomy_for(ws: Workspace) -> tuple[MaterialTree, Path]:
    """The workspace's materials taxonomy and the CSV it came from."""
    path = default_taxonomy_path(ws.sql_dir)
    if not path.exists():
        path = default_taxonomy_path(SHIPPED_SQL_DIR)
    return MaterialTree.from_csv(path), path
