"""The in-memory design matrix of a property: object embedding + keyword features.

Rows are the objects of ``listings`` (the dataset) that have an embedding in
``exports/embeddings/<space>.parquet`` (asin, vector, model, event_timestamp; ``space`` defaults
to ``object``, set by ``[labeling] space`` in emma-fs.toml or passed in). An export may hold more
ASINs than the dataset (the text space embeds ``listings_joined``, dropped listings included):
those are left out, since they have no keyword features, no duplicate cluster and no label to
receive. Columns are the embedding (float32, kept as-is: the object embedding is already
standardized) followed by one 0/1 column per keyword feature. The duplicate cluster of each
row (from ``listings``) is kept for grouped cross-validation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from emma_fs.errors import LabelingError, NotFound
from emma_fs.labeling import features

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from emma_fs.workspace import Workspace


@dataclass
class LabelingData:
    """Objects x features for one property. ``embedding`` (n, d) float32, ``keywords`` (n, k)
    float32 0/1, ``groups`` (n,) int64 duplicate-cluster codes, ``asins`` (n,) str."""

    asins: np.ndarray
    embedding: np.ndarray
    keywords: np.ndarray
    patterns: list[str]
    groups: np.ndarray
    fingerprint: str
    _index: pd.Index | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.asins)

    def rows_of(self, asins: list[str] | np.ndarray) -> np.ndarray:
        """Row numbers of ASINs (-1 where unknown)."""
        import pandas as pd

        if self._index is None:
            self._index = pd.Index(self.asins)
        return self._index.get_indexer(np.asarray(asins, dtype=object))

    def matrix(self, rows: np.ndarray) -> np.ndarray:
        """The dense feature matrix of some rows (embedding then keyword columns)."""
        return np.hstack([self.embedding[rows], self.keywords[rows]])


def embedding_path(ws: Workspace, space: str) -> Path:
    """Where the Parquet export of an embedding space lives."""
    return ws.exports_dir / "embeddings" / f"{space}.parquet"


def default_space(ws: Workspace) -> str:
    return str(ws.section("labeling").get("space", "object"))


def load_vectors(path: Path) -> tuple[np.ndarray, np.ndarray, str]:
    """Read an embedding export: ``(asins, vectors float32 (n, d), model name)``."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if not path.exists():
        raise NotFound(f"no embedding export at {path}",
                       hint="run `emma-fs label embed` (object embedding) or `emma-fs embed`")
    table = pq.read_table(path, columns=["asin", "vector", "model"])
    if table.num_rows == 0:
        raise LabelingError(f"embedding export {path} is empty")
    vec = table.column("vector").combine_chunks()
    flat = pc.list_flatten(vec).to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    if flat.size % table.num_rows:
        raise LabelingError(f"embedding export {path} has vectors of different lengths")
    vectors = flat.reshape(table.num_rows, -1)
    asins = table.column("asin").to_numpy(zero_copy_only=False).astype(object)
    model = str(table.column("model")[0].as_py())
    return asins, vectors, model


def keyword_matrix(con: duckdb.DuckDBPyConnection, prop: str, data_asins: np.ndarray,
                   index_of) -> tuple[np.ndarray, list[str]]:
    """0/1 matrix (n, k) of the property's keyword features over ``data_asins``."""
    patterns = features.list_patterns(con, prop)
    out = np.zeros((len(data_asins), len(patterns)), dtype=np.float32)
    if patterns:
        hits = con.execute(
            "SELECT pattern, asin FROM label_feature_hits WHERE property = ?", [prop]
        ).fetch_df()
        col = {p: i for i, p in enumerate(patterns)}
        rows = index_of(hits["asin"].to_numpy(dtype=object))
        cols = hits["pattern"].map(col).to_numpy()
        ok = (rows >= 0) & ~np.isnan(cols.astype(float))
        out[rows[ok], cols[ok].astype(np.int64)] = 1.0
    return out, patterns


def _in_listings(con: duckdb.DuckDBPyConnection, asins: np.ndarray) -> np.ndarray | None:
    """Mask of ``asins`` present in ``listings`` (None when there is no ``listings``)."""
    try:
        features.require_listings(con)
    except NotFound:
        return None
    import pandas as pd

    kept = con.execute("SELECT asin FROM listings").fetch_df()["asin"].to_numpy(dtype=object)
    return pd.Index(kept).get_indexer(asins) >= 0


def _groups(con: duckdb.DuckDBPyConnection, asins: np.ndarray, index_of) -> np.ndarray:
    """Duplicate-cluster codes; objects without a cluster form their own group."""
    groups = np.arange(len(asins), dtype=np.int64)
    try:
        features.require_listings(con)
    except NotFound:
        return groups
    df = con.execute("SELECT asin, duplicate_cluster FROM listings "
                     "WHERE duplicate_cluster IS NOT NULL").fetch_df()
    rows = index_of(df["asin"].to_numpy(dtype=object))
    ok = rows >= 0
    codes = df["duplicate_cluster"].astype(str).astype("category").cat.codes.to_numpy()
    groups[rows[ok]] = codes[ok].astype(np.int64) + len(asins)
    return groups


def load(ws: Workspace, con: duckdb.DuckDBPyConnection, prop: str,
         space: str | None = None) -> LabelingData:
    """Load the design matrix of ``prop`` from the embedding export and the feature tables."""
    import pandas as pd

    asins, vectors, model = load_vectors(embedding_path(ws, space or default_space(ws)))
    keep = _in_listings(con, asins)
    if keep is not None and not keep.all():
        if not keep.any():
            raise LabelingError("no object of `listings` has an embedding in this space",
                                hint="re-run the embedding for the current dataset")
        asins, vectors = asins[keep], vectors[keep]
    index = pd.Index(asins)
    if not index.is_unique:
        raise LabelingError("embedding export has duplicate ASINs",
                            hint="re-run the embedding export")
    keywords, patterns = keyword_matrix(con, prop, asins, index.get_indexer)
    groups = _groups(con, asins, index.get_indexer)
    h = hashlib.sha256(f"{model}|{len(asins)}|{vectors.shape[1]}|{patterns}".encode())
    h.update(np.ascontiguousarray(vectors[:: max(1, len(vectors) // 64)]).tobytes())
    return LabelingData(asins=asins, embedding=vectors, keywords=keywords, patterns=patterns,
                        groups=groups, fingerprint=h.hexdigest()[:16], _index=index)
