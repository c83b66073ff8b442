"""A Feast online store backed by LanceDB: point reads by ASIN and vector search in one place.

Named in ``feature_store.yaml`` as::

    online_store:
      type: emma_fs.store.lancedb_online_store.LanceDBOnlineStore
      path: ../lancedb/online          # relative paths resolve against the repo folder

One Lance table per feature view (layout in :mod:`emma_fs.store.schema`), upserted by key with
latest-event-time-wins semantics (:mod:`emma_fs.store.tables`). Besides Feast's interface the
store offers :meth:`LanceDBOnlineStore.write_arrow`, the fast path used by ``emma-fs
materialize`` to write Arrow tables without a protobuf round trip, and
:meth:`LanceDBOnlineStore.search`, the Arrow-level vector search both
``retrieve_online_documents_v2`` and ``emma-fs neighbors`` use.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
from feast import Entity, FeatureView, RepoConfig
from feast.infra.online_stores.online_store import OnlineStore
from feast.protos.feast.types.EntityKey_pb2 import EntityKey as EntityKeyProto
from feast.protos.feast.types.Value_pb2 import Value as ValueProto
from feast.repo_config import FeastConfigBaseModel
from pydantic import StrictStr, field_validator

from emma_fs.errors import StoreError
from emma_fs.store import batch
from emma_fs.store import tables as lt
from emma_fs.store.filters import to_where
from emma_fs.store.schema import CREATED_TS, EVENT_TS, ViewLayout, arrow_to_protos, layout

_METRICS = {"cosine": "cosine", "l2": "l2", "euclidean": "l2", "dot": "dot",
            "inner_product": "dot", "ip": "dot"}
_INDEX_TYPES = ("auto", "none", "IVF_FLAT", "IVF_HNSW_SQ", "IVF_PQ")


class LanceDBOnlineStoreConfig(FeastConfigBaseModel):
    """``online_store:`` settings. ``path``: LanceDB folder (relative to the repo folder).
    ``read_consistency_s``: how stale another process's view may be (0 = always check, which
    costs a manifest read, ~1-3 ms, on every query; default 1 s).
    Vector index: built at ``index_min_rows`` rows, ``index_type`` auto picks IVF_FLAT below
    ``hnsw_min_rows`` rows and IVF_HNSW_SQ from there; searched with ``nprobes`` / ``refine_factor``
    / ``ef``. ``optimize_after_rows``: a write this large runs ``optimize()``."""

    type: Literal["emma_fs.store.lancedb_online_store.LanceDBOnlineStore"] = (
        "emma_fs.store.lancedb_online_store.LanceDBOnlineStore")
    path: StrictStr = "online_store"
    read_consistency_s: float | None = 1.0
    index_min_rows: int = 5_000
    index_type: StrictStr = "auto"
    hnsw_min_rows: int = 2_000_000
    optimize_after_rows: int = 10_000
    nprobes: int = 20
    refine_factor: int | None = None
    ef: int | None = None

    @field_validator("path")
    @classmethod
    def _path_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("online_store.path must not be empty")
        return value

    @field_validator("index_type")
    @classmethod
    def _known_index(cls, value: str) -> str:
        if value not in _INDEX_TYPES:
            raise ValueError(f"online_store.index_type must be one of {_INDEX_TYPES}")
        return value

    @field_validator("index_min_rows", "hnsw_min_rows", "optimize_after_rows", "nprobes")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be a positive integer")
        return value

    @field_validator("read_consistency_s")
    @classmethod
    def _non_negative(cls, value: float | None) -> float | None:
        if value is not None and value < 0:
            raise ValueError("read_consistency_s must be >= 0 (or null: never refresh)")
        return value

    def policy(self) -> lt.IndexPolicy:
        return lt.IndexPolicy(self.index_min_rows, self.index_type, self.hnsw_min_rows,
                                  self.optimize_after_rows, self.nprobes, self.refine_factor,
                                  self.ef)


def _store_config(config: RepoConfig) -> LanceDBOnlineStoreConfig:
    cfg = config.online_store
    if not isinstance(cfg, LanceDBOnlineStoreConfig):
        raise StoreError(f"online store config is {type(cfg).__name__}, expected "
                         "LanceDBOnlineStoreConfig")
    return cfg


def store_path(config: RepoConfig) -> Path:
    """The LanceDB folder, relative paths resolved against the repo folder."""
    path = Path(_store_config(config).path).expanduser()
    if not path.is_absolute():
        if config.repo_path is None:
            raise StoreError(f"online_store.path {path} is relative but the repo path is unknown",
                             hint="give an absolute path or load the repo from its folder")
        path = Path(config.repo_path) / path
    return path.resolve()


class LanceDBOnlineStore(OnlineStore):
    """Feast online store on LanceDB (see the module docstring)."""

    # ----- helpers -----------------------------------------------------------------------
    def _db(self, config: RepoConfig):
        return lt.connect(store_path(config), _store_config(config).read_consistency_s)

    def _layout(self, config: RepoConfig, view: FeatureView) -> ViewLayout:
        return layout(config.project, view)

    def _on_table(self, config: RepoConfig, lay: ViewLayout, op: Callable[[Any], Any],
                  empty: Callable[[], Any]) -> Any:
        """``op(table)`` on the view's table (``empty()`` when there is none). A cached handle
        goes stale when another process drops and recreates the table (a schema change), so a
        failing read is retried once on a freshly opened handle."""
        db = self._db(config)
        table = lt.open_existing(db, lay)
        if table is None:
            return empty()
        try:
            return op(table)
        except (ValueError, RuntimeError, OSError):
            lt.evict(db, lay.table_name)
            table = lt.open_existing(db, lay)
            return empty() if table is None else op(table)

    # ----- writes ------------------------------------------------------------------------
    def write_arrow(self, config: RepoConfig, view: FeatureView, data: pa.Table, *,
                    mode: Literal["upsert", "replace", "append"] = "upsert",
                    maintain: bool = True) -> dict[str, Any]:
        """Write an Arrow table (key, features, ``event_ts``, optional ``created_ts``) into the
        view's table, validated and deduplicated. ``upsert`` merges by key (latest event time
        wins); ``replace`` recreates the table with exactly these rows; ``append`` adds rows
        whose keys the caller knows are not stored yet (bulk loads). Indexes are
        kept up to date unless ``maintain`` is False (call :meth:`maintain_indexes` after).
        Returns counts: rows (after dedup), inserted, updated, stale, index actions."""
        lay = self._layout(config, view)
        rows = batch.prepare(lay, data, view.name)
        db = self._db(config)
        if mode == "replace":
            table = lt.replace_all(db, lay, rows)
            counts = {"inserted": rows.num_rows, "updated": 0, "stale": 0}
        elif mode == "append":
            table = lt.open_or_create(db, lay)
            table.add(rows)
            counts = {"inserted": rows.num_rows, "updated": 0, "stale": 0}
        elif mode == "upsert":
            table = lt.open_or_create(db, lay)
            counts = lt.upsert(table, lay, rows)
        else:
            raise StoreError(f"unknown write mode {mode!r}")
        actions: list[str] = []
        if maintain:
            actions = lt.maintain(table, lay, counts["inserted"] + counts["updated"],
                                  _store_config(config).policy())
        return {"rows": rows.num_rows, **counts, "index": actions}

    def replace_from(self, config: RepoConfig, view: FeatureView,
                     chunks: Iterable[pa.Table]) -> int:
        """Rebuild the view's table from ``chunks`` (whose keys never repeat across chunks) in
        one streamed LanceDB write: few large fragments, no compaction needed afterwards.
        Each chunk is validated like :meth:`write_arrow`. Returns the rows written."""
        lay = self._layout(config, view)
        written = 0

        def prepared() -> Iterator[pa.RecordBatch]:
            nonlocal written
            for chunk in chunks:
                rows = batch.prepare(lay, chunk, view.name)
                written += rows.num_rows
                yield from rows.to_batches()

        reader = pa.RecordBatchReader.from_batches(lay.schema, prepared())
        lt.replace_all(self._db(config), lay, reader)
        return written

    def maintain_indexes(self, config: RepoConfig, view: FeatureView, written: int) -> list[str]:
        """Build or refresh the view's indexes; ``written`` rows were upserted since the last
        call (a large number triggers ``optimize()``)."""
        lay = self._layout(config, view)
        table = lt.open_existing(self._db(config), lay)
        return [] if table is None else lt.maintain(table, lay, written,
                                                     _store_config(config).policy())

    def online_count(self, config: RepoConfig, view: FeatureView) -> int:
        """Rows stored for the view (0 when its table does not exist)."""
        table = lt.open_existing(self._db(config), self._layout(config, view))
        return 0 if table is None else table.count_rows()

    def online_keys(self, config: RepoConfig, view: FeatureView) -> pa.Array:
        """Every key stored for the view."""
        lay = self._layout(config, view)
        table = lt.open_existing(self._db(config), lay)
        if table is None:
            return pa.array([], pa.string())
        return lt.all_keys(table, lay)

    def delete_keys(self, config: RepoConfig, view: FeatureView, keys: Sequence[str]) -> int:
        """Remove the rows of ``keys`` (rows whose source row disappeared); returns the count."""
        lay = self._layout(config, view)
        table = lt.open_existing(self._db(config), lay)
        return 0 if table is None else lt.delete_keys(table, lay, list(keys))

    def online_write_batch(
        self,
        config: RepoConfig,
        table: FeatureView,
        data: list[tuple[EntityKeyProto, dict[str, ValueProto], datetime, datetime | None]],
        progress: Callable[[int], Any] | None,
    ) -> None:
        from emma_fs.store.schema import protos_to_arrow

        if not data:
            return
        lay = self._layout(config, table)
        self.write_arrow(config, table, protos_to_arrow(lay, table, data))
        if progress:
            progress(len(data))

    # ----- reads -------------------------------------------------------------------------
    def read_arrow(self, config: RepoConfig, view: FeatureView, keys: Sequence[str],
                   columns: Sequence[str] | None = None) -> pa.Table:
        """Stored rows for ``keys`` as Arrow (missing keys are absent, order not kept)."""
        lay = self._layout(config, view)
        wanted = list(columns) if columns is not None else [*lay.features, EVENT_TS]
        unknown = set(wanted) - set(lay.schema.names)
        if unknown:
            raise StoreError(f"view {view.name!r} has no columns {sorted(unknown)}")
        return self._on_table(
            config, lay, lambda table: lt.read_keys(table, lay, [str(k) for k in keys], wanted),
            lambda: pa.table({c: pa.array([], lay.schema.field(c).type)
                              for c in [lay.key, *wanted]}))

    def online_read(
        self,
        config: RepoConfig,
        table: FeatureView,
        entity_keys: list[EntityKeyProto],
        requested_features: list[str] | None = None,
    ) -> list[tuple[datetime | None, dict[str, ValueProto] | None]]:
        from feast.type_map import feast_value_type_to_python_type

        lay = self._layout(config, table)
        names = [f for f in (requested_features or lay.features) if f in lay.features]
        keys = [str(feast_value_type_to_python_type(k.entity_values[0])) for k in entity_keys]
        found = self.read_arrow(config, table, keys, [*names, EVENT_TS])
        protos = arrow_to_protos(found, table, names)
        stamps = found.column(EVENT_TS).to_pylist()
        position = {k: i for i, k in enumerate(found.column(lay.key).to_pylist())}
        out: list[tuple[datetime | None, dict[str, ValueProto] | None]] = []
        for key in keys:
            i = position.get(key)
            if i is None:
                out.append((None, None))
            else:
                out.append((stamps[i], {n: protos[n][i] for n in names}))
        return out

    # ----- vector search -----------------------------------------------------------------
    def search(self, config: RepoConfig, view: FeatureView, embedding: Sequence[float], k: int,
               *, metric: str | None = None, where: str | None = None,
               columns: Sequence[str] | None = None, exact: bool = False) -> pa.Table:
        """The ``k`` nearest rows to ``embedding`` as Arrow with a ``distance`` column
        (cosine: 1 - cos; l2: Euclidean distance), after the SQL prefilter ``where``."""
        lay = self._layout(config, view)
        if lay.vector is None:
            raise StoreError(f"view {view.name!r} has no vector field to search")
        if len(embedding) != lay.vector.dim:
            raise StoreError(f"query vector has {len(embedding)} dimensions, view "
                             f"{view.name!r} holds {lay.vector.dim}")
        name = (metric or lay.vector.metric).lower()
        if name not in _METRICS:
            raise StoreError(f"unknown distance metric {metric!r}",
                             hint=f"use one of {sorted(_METRICS)}")
        lance_metric = _METRICS[name]
        select = [lay.key, *(columns if columns is not None else lay.features), EVENT_TS]
        policy = _store_config(config).policy()
        index_metric = _METRICS.get(lay.vector.metric, lay.vector.metric)

        def run(table: Any) -> pa.Table:
            query = (table.search(list(map(float, embedding)),
                                  vector_column_name=lay.vector.name)
                     .distance_type(lance_metric).select([*select, "_distance"]).limit(k))
            if exact or lance_metric != index_metric:
                query = query.bypass_vector_index()
            else:
                query = query.nprobes(policy.nprobes)
                if policy.refine_factor:
                    query = query.refine_factor(policy.refine_factor)
                if policy.ef:
                    query = query.ef(policy.ef)
            if where:
                query = query.where(where, prefilter=True)
            return query.to_arrow()

        def empty() -> pa.Table:
            return pa.table({**{c: pa.array([], lay.schema.field(c).type) for c in select},
                             "_distance": pa.array([], pa.float32())})

        try:
            result = self._on_table(config, lay, run, empty)
        except (ValueError, RuntimeError, OSError) as exc:
            raise StoreError(f"search in {view.name!r} failed: {exc}",
                             hint="check the --where expression's columns and syntax") from exc
        distance = result.column("_distance")
        if lance_metric == "l2":  # LanceDB reports squared L2
            import pyarrow.compute as pc

            distance = pc.sqrt(distance)
        return result.drop(["_distance"]).append_column("distance", distance)

    def retrieve_online_documents_v2(
        self,
        config: RepoConfig,
        table: FeatureView,
        requested_features: list[str],
        embedding: list[float] | None,
        top_k: int,
        distance_metric: str | None = None,
        query_string: str | None = None,
        filters: Any = None,
        include_feature_view_version_metadata: bool = False,
    ) -> list[tuple[datetime | None, EntityKeyProto | None, dict[str, ValueProto] | None]]:
        from feast.type_map import python_values_to_proto_values
        from feast.value_type import ValueType

        if embedding is None:
            raise StoreError("the LanceDB online store supports vector search only; "
                             "pass an embedding (query_string is not supported)")
        lay = self._layout(config, table)
        names = [f for f in (requested_features or lay.features) if f in lay.features]
        where = to_where(filters, lay.schema.names)
        found = self.search(config, table, embedding, top_k, metric=distance_metric,
                            where=where, columns=names)
        protos = arrow_to_protos(found, table, names)
        distances = python_values_to_proto_values(found.column("distance").to_pylist(),
                                                  ValueType.FLOAT)
        out = []
        for i, (key, ts) in enumerate(zip(found.column(lay.key).to_pylist(),
                                          found.column(EVENT_TS).to_pylist(), strict=True)):
            entity = EntityKeyProto(join_keys=[lay.key],
                                    entity_values=[ValueProto(string_val=key)])
            out.append((ts, entity, {**{n: protos[n][i] for n in names},
                                     "distance": distances[i]}))
        # Feast 0.67's FeatureStore.retrieve_online_documents_v2 pairs feature rows with
        # entity keys in *sorted key* order but keeps keys in our order: sorted output is the
        # only order in which its response rows stay aligned (sort by "distance" to rank).
        out.sort(key=lambda row: row[1].entity_values[0].string_val)
        return out

    # ----- lifecycle ---------------------------------------------------------------------
    def update(
        self,
        config: RepoConfig,
        tables_to_delete: Sequence[FeatureView],
        tables_to_keep: Sequence[FeatureView],
        entities_to_delete: Sequence[Entity],
        entities_to_keep: Sequence[Entity],
        partial: bool,
    ) -> None:
        """Create missing tables, recreate tables whose schema changed, drop deleted views'
        tables. Idempotent: a second call with the same views changes nothing."""
        db = self._db(config)
        existing = set(lt.table_names(db))
        for view in tables_to_delete:
            name = self._layout(config, view).table_name
            if name in existing:
                lt.drop(db, name)
        for view in tables_to_keep:
            lt.open_or_create(db, self._layout(config, view))

    def teardown(self, config: RepoConfig, tables: Sequence[FeatureView],
                 entities: Sequence[Entity]) -> None:
        """Drop the views' tables; remove the folder when nothing else is left in it."""
        path = store_path(config)
        if not path.exists():
            return
        db = self._db(config)
        existing = set(lt.table_names(db))
        for view in tables:
            name = self._layout(config, view).table_name
            if name in existing:
                lt.drop(db, name)
        if not lt.table_names(db) and not any(path.iterdir()):
            shutil.rmtree(path, ignore_errors=True)
            lt.forget(path)


__all__ = ["LanceDBOnlineStore", "LanceDBOnlineStoreConfig", "CREATED_TS", "EVENT_TS"]
