"""``emma-fs materialize``: export, apply the Feast definitions if changed, load the online store.

The fast path skips Feast's row-by-row protobuf conversion: pyarrow reads the view's offline
Parquet (the same FileSource Feast would read; DuckDB deduplicates when keys repeat), keeps the
latest row per asin whose ``event_timestamp`` lies in ``[start, end]`` (Feast's interval
rule), and streams Arrow batches into :meth:`LanceDBOnlineStore.write_arrow`. Afterwards it
records the interval with ``registry.apply_materialization`` exactly like ``feast
materialize``, so the stock CLI's ``materialize-incremental`` continues where we stopped.
Online rows whose asin left the offline source are deleted, so the online store mirrors the
export and the counts reconcile.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emma_fs.errors import NotFound, StoreError
from emma_fs.features.export import export_tables
from emma_fs.features.offline_read import interval_tables, source_keys
from emma_fs.features.repo import open_store, repo_objects, write_repo
from emma_fs.progress import SILENT, Progress, TaskHandle
from emma_fs.workspace import Workspace

if TYPE_CHECKING:
    import pyarrow as pa
    from feast import FeatureStore, FeatureView

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _spec(obj: Any) -> bytes:
    """What a definition says, without what the registry adds (timestamps, inferred columns)."""
    spec = obj.to_proto().spec
    fields = spec.DESCRIPTOR.fields_by_name
    if "batch_source" in fields and spec.HasField("batch_source"):
        spec.batch_source.ClearField("meta")
    if "entity_columns" in fields:
        spec.ClearField("entity_columns")
    return spec.SerializeToString(deterministic=True)


def apply_if_changed(fs: FeatureStore, objects: list[Any]) -> list[str]:
    """``fs.apply`` the objects when any spec differs from the registry; views no longer
    defined are deleted. Returns the names of views applied or deleted (empty: no change)."""
    from feast import Entity, FeatureView

    views = {o.name: o for o in objects if isinstance(o, FeatureView)}
    entities = [o for o in objects if isinstance(o, Entity)]
    current = {fv.name: fv for fv in fs.list_feature_views()}
    current_entities = {e.name: e for e in fs.list_entities()}
    changed = [n for n, v in views.items() if n not in current or _spec(current[n]) != _spec(v)]
    stale = [fv for n, fv in current.items() if n not in views]
    entity_changed = any(e.name not in current_entities
                         or _spec(current_entities[e.name]) != _spec(e) for e in entities)
    if not changed and not stale and not entity_changed:
        return []
    fs.apply([*entities, *views.values()], objects_to_delete=stale, partial=False)
    return sorted(changed) + [f"-{fv.name}" for fv in stale]


def _counted(chunks: Iterator[pa.Table], bar: TaskHandle) -> Iterator[pa.Table]:
    for chunk in chunks:
        yield chunk
        bar.advance(chunk.num_rows)


def materialize_view(fs: FeatureStore, view: FeatureView, end: datetime, *, full: bool = False,
                     progress: Progress = SILENT) -> dict[str, Any]:
    """Load one view's offline rows of the interval into the online store (fast path)."""
    import pyarrow.compute as pc

    from emma_fs.store.lancedb_online_store import LanceDBOnlineStore

    store = fs._get_provider().online_store
    if not isinstance(store, LanceDBOnlineStore):
        raise StoreError(f"online store is {type(store).__name__}; the fast path needs "
                         "LanceDBOnlineStore", hint="use `feast materialize` instead")
    config = fs.config
    t0 = time.perf_counter()
    start = view.most_recent_end_time
    full = full or start is None or store.online_count(config, view) == 0
    start = EPOCH if full else start
    with progress.task(f"materialize {view.name}", total=None) as bar:
        chunks = interval_tables(view, start, end)
        if full:
            written = store.replace_from(config, view, _counted(chunks, bar))
        else:
            written = 0
            for chunk in _counted(chunks, bar):
                written += store.write_arrow(config, view, chunk, maintain=False)["rows"]
    index = store.maintain_indexes(config, view, 0 if full else written)
    offline = source_keys(view)
    online_rows = store.online_count(config, view)
    pruned = 0
    if online_rows != len(offline):  # rows whose source row disappeared
        online = store.online_keys(config, view)
        gone = online.filter(pc.invert(pc.is_in(online, value_set=offline)))
        pruned = store.delete_keys(config, view, gone.to_pylist())
        online_rows = store.online_count(config, view)
    fs.registry.apply_materialization(view, fs.project, start, end)
    seconds = time.perf_counter() - t0
    return {"view": view.name, "mode": "full" if full else "incremental",
            "start": start, "end": end, "written": written, "pruned": pruned,
            "offline_rows": len(offline), "online_rows": online_rows,
            "reconciled": online_rows == len(offline), "index": index,
            "seconds": round(seconds, 3), "rows_per_s": round(written / seconds) if written else 0}


def materialize(ws: Workspace, *, full: bool = False, views: list[str] | None = None,
                export: bool = True, progress: Progress = SILENT) -> dict[str, Any]:
    """Export (unless ``export`` is False), write the repo, apply changed definitions and
    materialize every view (or ``views``) into the LanceDB online store.

    Returns ``{"exports": [...], "applied": [...], "views": [{view, mode, written,
    offline_rows, online_rows, reconciled, ...}]}``."""
    exports = export_tables(ws, progress=progress) if export else []
    write_repo(ws)
    fs = open_store(ws)
    applied = apply_if_changed(fs, repo_objects(ws))
    if applied:
        progress.info(f"applied feature definitions: {', '.join(applied)}")
    available = {fv.name: fv for fv in fs.list_feature_views()}
    wanted = views or sorted(available)
    missing = [v for v in wanted if v not in available]
    if missing:
        raise NotFound(f"no feature view {missing[0]!r}",
                       hint=f"known views: {sorted(available)}")
    end = datetime.now(UTC)
    results = [materialize_view(fs, available[name], end, full=full, progress=progress)
               for name in wanted]
    return {"exports": [e.to_dict() for e in exports], "applied": applied, "views": results}
