"""The standardized input vector of the object embedding: everything known per object.

Blocks (continuous, standardized column-wise to mean 0 / std 1 over all objects):

- ``text`` / ``image``: the vectors of ``exports/embeddings/{text,image}.parquet`` when present
  (missing rows are zeros plus a 0/1 ``*_missing`` column);
- ``price`` / ``mass``: ln(USD) and ln(kg), from ``filled_attributes`` when the models stage has
  written it, else the observed ``listings`` value; a ``*_missing`` column marks gaps;
- ``ratings``: the 5 star shares of ``rating_dist`` plus a missing flag;
- ``materials``: the most frequent taxonomy nodes (ancestors implied) as probabilities from
  ``material_probs`` (asin, material, probability) when present, else 0/1 observed labels, plus
  a missing flag.

Categorical inputs (embedded by the network, reconstructed by classification heads):
``product_type`` and the full ``category_path`` (joined with " > "), each as integer codes over
a vocabulary of the most frequent values; code 0 means unknown/rare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from emma_fs.errors import NotFound
from emma_fs.labeling import features
from emma_fs.labeling.dataset import embedding_path, load_vectors

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from emma_fs.workspace import Workspace

MAX_MATERIALS = 256
MAX_TYPES = 2048
MAX_CATEGORIES = 4096


@dataclass
class ObjectInputs:
    """Standardized inputs of ``n`` objects. ``x`` (n, D) float32; ``spans`` name -> (start,
    end) columns of ``x``; ``mean``/``std`` (D,) undo the standardization; ``observed`` holds
    per-block boolean masks of rows whose value was known (for the reconstruction report)."""

    asins: np.ndarray
    x: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    spans: dict[str, tuple[int, int]]
    product_type: np.ndarray
    category: np.ndarray
    type_vocab: list[str]
    category_vocab: list[str]
    material_vocab: list[str]
    observed: dict[str, np.ndarray] = field(default_factory=dict)

    def raw(self, name: str, x: np.ndarray | None = None) -> np.ndarray:
        """A block of ``x`` (default: the inputs) back in its original units."""
        a, b = self.spans[name]
        x = self.x if x is None else x
        return x[:, a:b] * self.std[a:b] + self.mean[a:b]


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE table_name = ? UNION ALL "
        "SELECT 1 FROM duckdb_views() WHERE view_name = ?", [name, name]).fetchone())


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> set[str]:
    return {r[0] for r in con.execute(f'SELECT column_name FROM (DESCRIBE "{name}")').fetchall()}


def _codes(values: pd.Series, limit: int) -> tuple[np.ndarray, list[str]]:
    """Integer codes over the ``limit - 1`` most frequent values; 0 = unknown or rare."""
    counts = values.dropna().value_counts()
    vocab = ["<unknown>"] + counts.index[: limit - 1].astype(str).tolist()
    lookup = {v: i for i, v in enumerate(vocab)}
    codes = values.map(lookup).fillna(0).to_numpy(dtype=np.int64)
    return codes, vocab


def _is_seq(value: object) -> bool:
    return isinstance(value, list | tuple | np.ndarray)


def _log_block(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = values.astype(np.float64)
    known = np.isfinite(v) & (v > 0)
    out = np.zeros((len(v), 2), dtype=np.float64)
    out[known, 0] = np.log(v[known])
    out[~known, 1] = 1.0
    if known.any():
        out[~known, 0] = np.median(out[known, 0])
    return out, known


def _vectors_block(ws: Workspace, space: str, index) -> tuple[np.ndarray, np.ndarray] | None:
    path = embedding_path(ws, space)
    if not path.exists():
        return None
    asins, vectors, _ = load_vectors(path)
    pos = index.get_indexer(asins)
    out = np.zeros((len(index), vectors.shape[1] + 1), dtype=np.float32)
    ok = pos >= 0
    out[pos[ok], :-1] = vectors[ok]
    known = np.zeros(len(index), dtype=bool)
    known[pos[ok]] = True
    out[~known, -1] = 1.0
    return out, known


def load_object_inputs(ws: Workspace, con: duckdb.DuckDBPyConnection,
                       max_rows: int | None = None) -> ObjectInputs:
    """Assemble and standardize the inputs of every object in ``listings``."""
    import pandas as pd

    features.require_listings(con)
    cols = _columns(con, "listings")
    want = ["price_usd", "mass_kg", "materials", "rating_dist", "product_type", "category_path"]
    sel = ", ".join(f'"{c}"' if c in cols else f"NULL AS {c}" for c in want)
    limit = f" LIMIT {int(max_rows)}" if max_rows else ""
    df = con.execute(f"SELECT asin, {sel} FROM listings ORDER BY asin{limit}").fetch_df()
    if df.empty:
        raise NotFound("the `listings` view is empty", hint="ingest and transform data first")
    df = _with_filled(con, df)
    index = pd.Index(df["asin"].to_numpy(dtype=object))
    blocks: list[tuple[str, np.ndarray]] = []
    observed: dict[str, np.ndarray] = {}
    for space in ("text", "image"):
        got = _vectors_block(ws, space, index)
        if got is not None:
            blocks.append((space, got[0]))
            observed[space] = got[1]
    for name in ("price_usd", "mass_kg"):
        block, known = _log_block(pd.to_numeric(df[name], errors="coerce").to_numpy())
        blocks.append((name.split("_")[0], block))
        observed[name.split("_")[0]] = known
    ratings = np.zeros((len(df), 6))
    known = df["rating_dist"].map(lambda r: _is_seq(r) and len(r) == 5).to_numpy(dtype=bool)
    if known.any():
        ratings[known, :5] = np.stack(df.loc[known, "rating_dist"].to_numpy()).astype(float)
    ratings[~known, 5] = 1.0
    blocks.append(("ratings", ratings))
    observed["ratings"] = known
    mats, vocab, known = _materials(con, df, index)
    blocks.append(("materials", mats))
    observed["materials"] = known

    spans, start = {}, 0
    for name, b in blocks:
        spans[name] = (start, start + b.shape[1])
        start += b.shape[1]
    x = np.hstack([b.astype(np.float32) for _, b in blocks])
    mean = x.mean(0, dtype=np.float64).astype(np.float32)
    std = x.std(0, dtype=np.float64).astype(np.float32)
    std[std < 1e-6] = 1.0
    x -= mean
    x /= std
    types, type_vocab = _codes(df["product_type"], MAX_TYPES)
    cat = df["category_path"].map(lambda p: " > ".join(p) if _is_seq(p) and len(p) else None)
    cats, cat_vocab = _codes(cat, MAX_CATEGORIES)
    return ObjectInputs(asins=index.to_numpy(), x=x, mean=mean, std=std, spans=spans,
                        product_type=types, category=cats, type_vocab=type_vocab,
                        category_vocab=cat_vocab, material_vocab=vocab, observed=observed)


def _with_filled(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> pd.DataFrame:
    """Prefer the models stage's filled mass/price (``filled_attributes``) when it exists."""
    if not _has_table(con, "filled_attributes"):
        return df
    cols = _columns(con, "filled_attributes") & {"mass_kg", "price_usd"}
    if "asin" not in _columns(con, "filled_attributes") or not cols:
        return df
    sel = ", ".join(f'"{c}" AS filled_{c}' for c in sorted(cols))
    filled = con.execute(f"SELECT asin, {sel} FROM filled_attributes").fetch_df()
    filled = filled.drop_duplicates("asin")
    df = df.merge(filled, on="asin", how="left")
    for c in cols:
        df[c] = pd_coalesce(df[f"filled_{c}"], df[c])
    return df


def pd_coalesce(a, b):  # noqa: ANN001, ANN201 - two pandas Series
    """First non-null of two aligned Series."""
    return a.where(a.notna(), b)


def _materials(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, index
               ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Material columns (probabilities or 0/1) + missing flag, the vocabulary, known mask."""
    import pandas as pd

    mats = df["materials"].map(lambda m: list(m) if _is_seq(m) else [])
    exploded = pd.DataFrame({"asin": df["asin"], "materials": mats}).explode("materials").dropna()
    vocab = exploded["materials"].value_counts().index[:MAX_MATERIALS].astype(str).tolist()
    col = {m: i for i, m in enumerate(vocab)}
    out = np.zeros((len(df), len(vocab) + 1), dtype=np.float32)
    known = np.zeros(len(df), dtype=bool)
    probs = None
    if _has_table(con, "material_probs") and {"asin", "material", "probability"} <= _columns(
            con, "material_probs"):
        probs = con.execute("SELECT asin, material, probability FROM material_probs").fetch_df()
    if probs is not None and len(probs):
        rows = index.get_indexer(probs["asin"].to_numpy(dtype=object))
        cols = probs["material"].map(col)
        ok = (rows >= 0) & cols.notna().to_numpy()
        out[rows[ok], cols[ok].to_numpy(dtype=np.int64)] = probs["probability"].to_numpy()[ok]
        known[rows[ok]] = True
    if len(exploded):
        rows = index.get_indexer(exploded["asin"].to_numpy(dtype=object))
        cols = exploded["materials"].map(col)
        ok = (rows >= 0) & cols.notna().to_numpy()
        observed = np.zeros(len(df), dtype=bool)
        observed[rows[ok]] = True
        # observed labels win over filled probabilities where both exist
        out[observed, :-1] = 0.0
        out[rows[ok], cols[ok].to_numpy(dtype=np.int64)] = 1.0
        known |= observed
    out[~known, -1] = 1.0
    return out, vocab, known
