"""Feature assembly: the ``listings`` view + embedding exports -> row-aligned numpy arrays.

:func:`load_listings` reads every listing once (ordered by ASIN) from the workspace DuckDB and
the embedding Parquet exports (``exports/embeddings/{text,image,review}.parquet``: asin,
vector). Inputs are kept as ``value + is-present`` pairs: a missing embedding, size or package
weight is a zero vector with ``present = False``, never a silent zero. Targets keep NaN / empty
for missing values; the losses mask them per task.

:class:`FeatureSpec` holds what is fitted on the train split (product-type and category
vocabularies, embedding standardisation) and is saved inside each checkpoint so that fill and
eval encode new rows the same way. :func:`encode` turns arrays + spec into the float32 tensors
the models consume (see :data:`BLOCKS` and :data:`TARGET_KEYS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emma_fs.errors import ConfigError
from emma_fs.training.hierarchy import CategoryVocab, MaterialTree

if TYPE_CHECKING:
    import duckdb

EMBEDDING_SPACES = ("text", "image", "review")
NUMERIC_COLUMNS = ("price_usd", "mass_kg", "package_mass_kg", "length_cm", "width_cm",
                   "height_cm", "n_reviews")
LIST_COLUMNS = ("category_path", "materials", "rating_dist", "image_paths")
TEXT_COLUMNS = ("listing_text", "product_type")


@dataclass
class Listings:
    """All listings as row-aligned arrays (natural units: USD, kg, cm)."""

    asin: np.ndarray
    split: np.ndarray
    texts: list[str]
    image_path: list[str | None]
    product_type: list[str | None]
    numeric: dict[str, np.ndarray]  # float64 [B], NaN = missing
    embeddings: dict[str, np.ndarray]  # float32 [B, d]
    embedding_present: dict[str, np.ndarray]  # bool [B]
    category_paths: list[list[str] | None]
    mat_targets: np.ndarray  # float32 [B, N] (observed labels, ancestors implied)
    mat_mask: np.ndarray  # bool [B, N]
    rating_dist: np.ndarray  # float64 [B, 5], NaN rows = missing
    embedding_models: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.asin)

    def rows(self, split: str | tuple[str, ...]) -> np.ndarray:
        splits = (split,) if isinstance(split, str) else split
        return np.flatnonzero(np.isin(self.split, splits))


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    try:
        return {r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()}
    except Exception as exc:  # duckdb.CatalogException, imported lazily
        raise ConfigError(f"the {relation!r} view does not exist in the workspace database",
                          hint="run `emma-fs transform run` (listings) first") from exc


def load_listings(con: duckdb.DuckDBPyConnection, tree: MaterialTree,
                  exports_dir: Path | None = None, relation: str = "listings") -> Listings:
    """Read ``relation`` (contracts.md section 4) and the embedding exports into arrays."""
    cols = _columns(con, relation)
    if not {"asin", "split"} <= cols:
        raise ConfigError(f"{relation} needs at least the columns asin and split")
    wanted = [*NUMERIC_COLUMNS, *LIST_COLUMNS, *TEXT_COLUMNS]
    select = ", ".join(c if c in cols else f"NULL AS {c}" for c in wanted)
    tbl = con.sql(f"SELECT asin, split, {select} FROM {relation} ORDER BY asin").to_arrow_table()
    data = tbl.select([c for c in tbl.column_names if c not in NUMERIC_COLUMNS]).to_pydict()
    n = len(data["asin"])
    numeric = {c: tbl.column(c).cast("float64").to_numpy(zero_copy_only=False)
               for c in NUMERIC_COLUMNS}
    ratings = np.full((n, 5), np.nan)
    dist = [r for r in data["rating_dist"]]
    ok = np.array([d is not None and len(d) == 5 and None not in d for d in dist], dtype=bool)
    if ok.any():
        ratings[ok] = np.array([dist[i] for i in np.flatnonzero(ok)], dtype=np.float64)
    sums = ratings.sum(axis=1, keepdims=True)
    ratings = np.where(sums > 0, ratings / np.where(sums > 0, sums, 1), np.nan)
    mat_targets, mat_mask = _encode_materials(tree, data["materials"])
    emb, present, models = _load_embeddings(con, relation, exports_dir, n)
    return Listings(
        asin=np.array(data["asin"], dtype=object), split=np.array(data["split"], dtype=object),
        texts=[t or "" for t in data["listing_text"]],
        image_path=[p[0] if p else None for p in data["image_paths"]],
        product_type=data["product_type"], numeric=numeric, embeddings=emb,
        embedding_present=present, category_paths=data["category_path"],
        mat_targets=mat_targets, mat_mask=mat_mask, rating_dist=ratings,
        embedding_models=models)


def _encode_materials(tree: MaterialTree, labels: list) -> tuple[np.ndarray, np.ndarray]:
    """Encode distinct label sets once, then broadcast to rows."""
    keys = ["|".join(sorted(x)) if x else "" for x in labels]
    distinct, inverse = np.unique(np.array(keys, dtype=object), return_inverse=True)
    targets, mask = tree.encode([k.split("|") if k else None for k in distinct])
    return targets[inverse], mask[inverse]


def _load_embeddings(con: duckdb.DuckDBPyConnection, relation: str, exports_dir: Path | None,
                     n: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray],
                                      dict[str, str]]:
    emb: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    models: dict[str, str] = {}
    for space in EMBEDDING_SPACES:
        path = exports_dir / "embeddings" / f"{space}.parquet" if exports_dir else None
        if path is None or not path.exists():
            emb[space] = np.zeros((n, 1), dtype=np.float32)
            present[space] = np.zeros(n, dtype=bool)
            continue
        rows = con.sql(
            f"""SELECT l.i, e.vector FROM (SELECT asin, row_number() OVER (ORDER BY asin) - 1
                AS i FROM {relation}) l
                JOIN (SELECT DISTINCT ON (asin) asin, vector FROM read_parquet(?)) e
                USING (asin) ORDER BY l.i""", params=[str(path)]).to_arrow_table()
        idx = rows.column("i").to_numpy()
        flat = rows.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
        dim = len(flat) // max(len(idx), 1) if len(idx) else 1
        mat = np.zeros((n, dim), dtype=np.float32)
        mat[idx] = flat.reshape(len(idx), dim)
        emb[space], present[space] = mat, np.isin(np.arange(n), idx)
        columns = con.sql("SELECT * FROM read_parquet(?) LIMIT 0", params=[str(path)]).columns
        if "model" in columns:
            row = con.execute("SELECT any_value(model) FROM read_parquet(?)",
                              [str(path)]).fetchall()[0]
            models[space] = "" if row[0] is None else str(row[0])
    return emb, present, models


@dataclass
class FeatureSpec:
    """Everything fitted on the train split that encoding needs (saved in checkpoints)."""

    materials: list[str]
    material_parents: list[int]
    category_keys: list[str]
    product_types: list[str]
    emb_mean: dict[str, list[float]]
    emb_std: dict[str, list[float]]

    @property
    def tree(self) -> MaterialTree:
        return MaterialTree.from_pairs(
            (n, self.materials[p] if p >= 0 else "")
            for n, p in zip(self.materials, self.material_parents, strict=True))

    @property
    def vocab(self) -> CategoryVocab:
        return CategoryVocab.from_dict({"keys": self.category_keys})

    def dims(self) -> dict[str, int]:
        return {s: len(self.emb_mean[s]) for s in EMBEDDING_SPACES}

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def fit(cls, data: Listings, tree: MaterialTree, rows: np.ndarray) -> FeatureSpec:
        vocab = CategoryVocab.from_paths(
            {tuple(p) for p in (data.category_paths[i] for i in rows) if p})
        types = sorted({data.product_type[i] for i in rows if data.product_type[i]})
        mean, std = {}, {}
        for s in EMBEDDING_SPACES:
            sel = rows[data.embedding_present[s][rows]]
            x = data.embeddings[s][sel] if len(sel) else data.embeddings[s][:1] * 0
            mean[s] = x.mean(axis=0).tolist()
            std[s] = np.maximum(x.std(axis=0), 1e-6).tolist() if len(sel) > 1 else \
                [1.0] * x.shape[1]
        return cls(materials=list(tree.nodes), material_parents=tree.parent.tolist(),
                   category_keys=list(vocab.keys), product_types=types,
                   emb_mean=mean, emb_std=std)


def _log_or_zero(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(x) & (x > 0)
    return np.where(ok, np.log(np.where(ok, x, 1.0)), 0.0).astype(np.float32), ok


def encode(data: Listings, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """Model inputs and targets for all rows. Input blocks are ``<name>`` (values) with
    ``<name>_present`` (bool); targets keep their natural units with NaN for missing."""
    vocab = spec.vocab
    out: dict[str, np.ndarray] = {}
    for s in EMBEDDING_SPACES:
        x = data.embeddings[s]
        mean, std = np.array(spec.emb_mean[s]), np.array(spec.emb_std[s])
        if x.shape[1] != len(mean):
            x = np.zeros((len(data), len(mean)), dtype=np.float32)
            pres = np.zeros(len(data), dtype=bool)
        else:
            pres = data.embedding_present[s]
        out[f"{s}_emb"] = np.where(pres[:, None], (x - mean) / std, 0).astype(np.float32)
        out[f"{s}_emb_present"] = pres
    dims = [data.numeric[c] for c in ("length_cm", "width_cm", "height_cm")]
    logs = [_log_or_zero(d) for d in dims]
    out["size"] = np.stack([v for v, _ in logs], axis=1)
    out["size_present"] = np.all([ok for _, ok in logs], axis=0)
    out["size"] *= out["size_present"][:, None]
    pkg, pkg_ok = _log_or_zero(data.numeric["package_mass_kg"])
    out["package"], out["package_present"] = pkg[:, None], pkg_ok
    type_index = {t: i + 1 for i, t in enumerate(spec.product_types)}  # 0 = unknown/missing
    out["product_type"] = np.array([type_index.get(t or "", 0) for t in data.product_type],
                                   dtype=np.int64)
    # the other attributes as inputs (AllToX): observed values only
    for key, col in (("price", "price_usd"), ("mass", "mass_kg")):
        v, ok = _log_or_zero(data.numeric[col])
        out[f"{key}_in"], out[f"{key}_in_present"] = v[:, None], ok
        out[key] = data.numeric[col].astype(np.float32)
    out["materials_in"] = data.mat_targets
    out["materials_in_present"] = data.mat_mask.any(axis=1)
    cat_idx = vocab.encode(data.category_paths, depth=max(vocab.depth, 1))
    multi_hot = np.zeros((len(data), max(len(vocab), 1)), dtype=np.float32)
    rows, lvls = np.nonzero(cat_idx >= 0)
    multi_hot[rows, cat_idx[rows, lvls]] = 1.0
    out["category_in"], out["category_in_present"] = multi_hot, (cat_idx >= 0).any(axis=1)
    r_ok = np.isfinite(data.rating_dist).all(axis=1)
    n_log, _ = _log_or_zero(data.numeric["n_reviews"])
    out["ratings_in"] = np.hstack([np.nan_to_num(data.rating_dist), n_log[:, None]]
                                  ).astype(np.float32)
    out["ratings_in_present"] = r_ok
    out["mat_targets"], out["mat_mask"] = data.mat_targets, data.mat_mask
    out["category"] = cat_idx
    out["ratings"] = np.nan_to_num(data.rating_dist).astype(np.float32)
    out["ratings_present"] = r_ok & np.isfinite(data.numeric["n_reviews"])
    out["n_reviews"] = np.nan_to_num(data.numeric["n_reviews"]).astype(np.float32)
    return out


def with_filled(arrays: dict[str, np.ndarray], rows: np.ndarray,
                filled: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Generation-2 targets: for ``rows`` (train/validation), missing targets take the
    filled-in values (``filled`` row-aligned: price, mass [B]; mat_probs [B, N];
    category [B, L]; ratings [B, 5]). Inputs are left as observed."""
    out = dict(arrays)
    sel = np.zeros(len(arrays["price"]), dtype=bool)
    sel[rows] = True
    for key in ("price", "mass"):
        miss = sel & ~np.isfinite(arrays[key])
        out[key] = np.where(miss, filled[key], arrays[key]).astype(np.float32)
    miss = sel & ~arrays["mat_mask"].any(axis=1)
    out["mat_targets"] = np.where(miss[:, None], filled["mat_probs"], arrays["mat_targets"]
                                  ).astype(np.float32)
    out["mat_mask"] = arrays["mat_mask"] | miss[:, None]
    miss = sel & ~(arrays["category"] >= 0).any(axis=1)
    cat = arrays["category"].copy()
    width = min(cat.shape[1], filled["category"].shape[1])
    cat[miss, :width] = filled["category"][miss, :width]
    out["category"] = cat
    miss = sel & ~arrays["ratings_present"]
    out["ratings"] = np.where(miss[:, None], filled["ratings"], arrays["ratings"]
                              ).astype(np.float32)
    out["ratings_present"] = arrays["ratings_present"] | miss
    # a filled distribution counts as one "pseudo review set" of modest weight (ln 10)
    out["n_reviews"] = np.where(miss, 10.0, arrays["n_reviews"]).astype(np.float32)
    return out
