"""Read one feature view's offline rows for a materialization interval as Arrow batches.

Feast's rule: rows with ``start <= event_timestamp <= end``, the latest per entity key. The
common case (an emma-fs export: one row per asin) is a plain filtered Parquet scan with
pyarrow; only when the interval really holds several rows for a key does DuckDB deduplicate
(a window over rows carrying 384-d vectors costs more than the scan itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from emma_fs.features.sqltext import parquet_scan, quote_ident

if TYPE_CHECKING:
    from feast import FeatureView

EVENT_TS = "event_ts"


def _bound(value: datetime, typ: pa.DataType) -> pa.Scalar:
    """``value`` as a scalar comparable with the timestamp column (naive columns are UTC)."""
    utc = value.astimezone(UTC)
    if pa.types.is_timestamp(typ) and typ.tz is None:
        return pa.scalar(utc.replace(tzinfo=None), typ)
    return pa.scalar(utc, pa.timestamp("us", tz="UTC")).cast(typ)


def source_keys(view: FeatureView) -> pa.Array:
    """Distinct entity keys in the view's whole offline source."""
    key = view.entity_columns[0].name
    table = ds.dataset(view.batch_source.path, format="parquet").to_table(columns=[key])
    return pc.unique(table.column(key).combine_chunks())


def interval_tables(view: FeatureView, start: datetime, end: datetime,
                    chunk_rows: int = 50_000) -> Iterator[pa.Table]:
    """Latest row per key with ``start <= ts <= end`` (columns: key, features, ``event_ts``),
    as tables of about ``chunk_rows`` rows; keys never repeat across tables."""
    buffer: list[pa.RecordBatch] = []
    size = 0
    for batch in _batches(view, start, end, chunk_rows):
        buffer.append(batch)
        size += batch.num_rows
        if size >= chunk_rows:
            yield pa.Table.from_batches(buffer)
            buffer, size = [], 0
    if size:
        yield pa.Table.from_batches(buffer)


def _batches(view: FeatureView, start: datetime, end: datetime,
             batch_rows: int) -> Iterator[pa.RecordBatch]:
    key = view.entity_columns[0].name
    ts = view.batch_source.timestamp_field
    features = [f.name for f in view.features]
    dataset = ds.dataset(view.batch_source.path, format="parquet")
    ts_type = dataset.schema.field(ts).type
    lo, hi = _bound(start, ts_type), _bound(end, ts_type)
    # Key and time columns first (cheap): decides whether the wide scan needs a row filter at
    # all (a full rebuild usually takes every row) and whether keys repeat in the interval.
    narrow = dataset.to_table(columns=[key, ts])
    inside = pc.and_(pc.greater_equal(narrow.column(ts), lo), pc.less_equal(narrow.column(ts), hi))
    every_row = pc.all(inside).as_py() is True and narrow.column(ts).null_count == 0
    keys = narrow.column(key) if every_row else narrow.column(key).filter(inside)
    where = None if every_row else (pc.field(ts) >= lo) & (pc.field(ts) <= hi)
    if pc.count_distinct(keys).as_py() == len(keys):
        for batch in dataset.to_batches(columns=[key, *features, ts], filter=where,
                                        batch_size=batch_rows):
            if batch.num_rows:
                yield batch.rename_columns([key, *features, EVENT_TS])
        return
    yield from _deduplicated(view, start, end, batch_rows)


def _deduplicated(view: FeatureView, start: datetime, end: datetime,
                  batch_rows: int) -> Iterator[pa.RecordBatch]:
    import duckdb

    key = view.entity_columns[0].name
    ts = view.batch_source.timestamp_field
    cols = ", ".join(quote_ident(c) for c in [key, *(f.name for f in view.features)])
    sql = (f"SELECT {cols}, {quote_ident(ts)} AS {EVENT_TS} "
           f"FROM {parquet_scan(view.batch_source.path)} "
           f"WHERE {quote_ident(ts)} BETWEEN ? AND ? QUALIFY row_number() OVER "
           f"(PARTITION BY {quote_ident(key)} ORDER BY {quote_ident(ts)} DESC) = 1")
    params = [d.astimezone(UTC).replace(tzinfo=None) for d in (start, end)]
    con = duckdb.connect()
    try:
        yield from con.sql(sql, params=params).to_arrow_reader(batch_rows)
    finally:
        con.close()
