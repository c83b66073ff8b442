"""Nearest listings of an ASIN in an embedding space, served from the online store.

The ASIN's vector is read from the ``<space>_embedding`` view (a BTREE point lookup), then the
same view is searched with the ANN index (cosine distance = 1 - cos), excluding the item itself
and applying an optional SQL filter over the view's listing columns (``price_usd < 20``,
``category = 'Pillows'``...). Title, category and price come back with each hit because the
embedding views carry those listing columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emma_fs.errors import NotFound, QueryError, StoreError
from emma_fs.store.filters import literal
from emma_fs.workspace import Workspace

if TYPE_CHECKING:
    from feast import FeatureStore, FeatureView

SPACES = ("text", "image", "object")  # the usual ones; any `<space>_embedding` view works
SHOWN = ("title", "category", "price_usd")


@dataclass
class Searcher:
    """An open feature store plus the view of one space; reuse it for many queries."""

    fs: FeatureStore
    view: FeatureView

    @classmethod
    def open(cls, ws: Workspace, space: str) -> Searcher:
        from emma_fs.features.repo import open_store

        fs = open_store(ws)
        name = f"{space}_embedding"
        views = {fv.name: fv for fv in fs.list_feature_views()}
        if name not in views:
            known = sorted(v[: -len("_embedding")] for v in views if v.endswith("_embedding"))
            if space not in SPACES:
                raise QueryError(f"unknown space {space!r}",
                                 hint=f"spaces in the feature store: {', '.join(known)}")
            raise NotFound(f"no {space} embeddings in the feature store",
                           hint="run `emma-fs embed` then `emma-fs materialize`")
        return cls(fs, views[name])

    @property
    def store(self) -> Any:
        return self.fs._get_provider().online_store

    def vector_of(self, asin: str) -> list[float]:
        """The stored vector of ``asin``; NotFound when the ASIN has none."""
        found = self.store.read_arrow(self.fs.config, self.view, [asin], ["vector"])
        if found.num_rows == 0:
            raise NotFound(f"ASIN {asin} is not in the {self.view.name} view",
                           hint="check the ASIN, or run `emma-fs materialize`")
        return found.column("vector")[0].values.to_numpy().tolist()

    def neighbors(self, asin: str, k: int = 10, where: str | None = None) -> list[dict]:
        """The ``k`` nearest other listings of ``asin`` (rank, asin, distance, title,
        category, price_usd), nearest first."""
        if k <= 0:
            raise QueryError(f"k must be positive, got {k}")
        vector = self.vector_of(asin)
        columns = [c for c in SHOWN if c in {f.name for f in self.view.features}]
        # Without a user filter, asking for k + 1 and dropping the item afterwards is cheaper
        # than a prefilter (which would scan the key column for every query).
        condition = f"({where}) AND asin != {literal(asin)}" if where else None
        try:
            hits = self.store.search(self.fs.config, self.view, vector,
                                     k if where else k + 1, where=condition, columns=columns)
        except StoreError as exc:
            raise QueryError(f"--where {where!r} was rejected: {exc.message}",
                             hint="use SQL over the view's columns, e.g. price_usd < 20") from exc
        if not where:
            import pyarrow.compute as pc

            hits = hits.filter(pc.not_equal(hits.column("asin"), asin)).slice(0, k)
        rows = hits.select(["asin", "distance", *columns]).to_pylist()
        return [{"query": asin, "rank": i + 1, **row} for i, row in enumerate(rows)]


def neighbors(ws: Workspace, asin: str, k: int = 10, space: str = "text",
              where: str | None = None) -> list[dict]:
    """The ``k`` nearest listings of ``asin`` in ``space`` (see :class:`Searcher`)."""
    return Searcher.open(ws, space).neighbors(asin, k, where)


def neighbors_many(ws: Workspace, asins: Iterable[str], k: int = 10, space: str = "text",
                   where: str | None = None) -> list[dict]:
    """:func:`neighbors` for several ASINs (one store, one connection); rows carry ``query``."""
    searcher = Searcher.open(ws, space)
    rows: list[dict] = []
    for asin in asins:
        rows.extend(searcher.neighbors(asin, k, where))
    return rows
