"""Contract suite for the LanceDB online store: write, read, update twice, teardown leaves
nothing; plus the no-data-loss guarantees (multi-chunk tables, duplicates, bad vectors)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lancedb
import numpy as np
import pyarrow as pa
import pytest
from feast import Entity, FeatureStore, FeatureView, Field, FileSource, RepoConfig
from feast.filter_models import ComparisonFilter, CompoundFilter
from feast.protos.feast.types.EntityKey_pb2 import EntityKey
from feast.protos.feast.types.Value_pb2 import Value
from feast.types import Array, Float32, Float64, String
from feast.value_type import ValueType

from emma_fs.errors import StoreError
from emma_fs.store.filters import to_where
from emma_fs.store.lancedb_online_store import LanceDBOnlineStore, LanceDBOnlineStoreConfig

DIM = 8
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_store(tmp_path: Path, **online) -> FeatureStore:
    config = RepoConfig(
        project="t", provider="local", repo_path=str(tmp_path),
        registry=str(tmp_path / "registry.db"),
        offline_store={"type": "duckdb"},
        online_store={"type": "emma_fs.store.lancedb_online_store.LanceDBOnlineStore",
                      "path": "online", **online},
        entity_key_serialization_version=3,
    )
    return FeatureStore(config=config)


def make_views(tmp_path: Path) -> tuple[Entity, FeatureView, FeatureView]:
    product = Entity(name="product", join_keys=["asin"], value_type=ValueType.STRING)
    src = FileSource(path=str(tmp_path / "none.parquet"), timestamp_field="event_timestamp")
    attrs = FeatureView(name="attrs", entities=[product], ttl=timedelta(0), source=src,
                        schema=[Field(name="title", dtype=String),
                                Field(name="price_usd", dtype=Float64)])
    emb = FeatureView(name="emb", entities=[product], ttl=timedelta(0), source=src,
                      schema=[Field(name="vector", dtype=Array(Float32), vector_index=True,
                                    vector_length=DIM, vector_search_metric="cosine"),
                              Field(name="price_usd", dtype=Float64)])
    return product, attrs, emb


@pytest.fixture
def fs(tmp_path):
    store = make_store(tmp_path)
    store.apply(list(make_views(tmp_path)))
    return store


def online(fs: FeatureStore) -> LanceDBOnlineStore:
    return fs._get_provider().online_store


def vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def emb_table(keys, vecs, ts=T0, price=None) -> pa.Table:
    n = len(keys)
    return pa.table({"asin": keys, "vector": pa.array(list(vecs), pa.list_(pa.float32())),
                     "price_usd": price if price is not None else [float(i) for i in range(n)],
                     "event_ts": pa.array([ts] * n, pa.timestamp("us", tz="UTC"))})


def test_write_read_round_trip_through_feast_protos(fs):
    view = fs.get_feature_view("attrs")
    key = lambda a: EntityKey(join_keys=["asin"], entity_values=[Value(string_val=a)])  # noqa: E731
    rows = [(key(f"A{i}"), {"title": Value(string_val=f"t{i}"), "price_usd": Value(double_val=i)},
             T0, None) for i in range(5)]
    online(fs).online_write_batch(fs.config, view, rows, None)
    got = online(fs).online_read(fs.config, view, [key("A3"), key("missing"), key("A0")])
    assert got[0][1]["title"].string_val == "t3" and got[0][1]["price_usd"].double_val == 3
    assert got[1] == (None, None)
    assert got[2][0] == T0
    feats = fs.get_online_features(["attrs:title", "attrs:price_usd"],
                                   [{"asin": "A4"}, {"asin": "nope"}]).to_dict()
    assert feats["title"] == ["t4", None] and feats["price_usd"] == [4.0, None]


def test_multi_chunk_table_loses_no_rows(fs):
    view = fs.get_feature_view("emb")
    v = vectors(10)
    chunks = [emb_table([f"A{i}" for i in range(s, s + 5)], v[s:s + 5]) for s in (0, 5)]
    table = pa.concat_tables(chunks)
    assert table.column("asin").num_chunks == 2
    result = online(fs).write_arrow(fs.config, view, table)
    assert result["rows"] == 10 and result["inserted"] == 10
    assert len(online(fs).online_keys(fs.config, view)) == 10


def test_duplicate_rows_latest_event_time_wins(fs):
    view = fs.get_feature_view("emb")
    v = vectors(3)
    batch = pa.concat_tables([
        emb_table(["A", "B"], v[:2], ts=T0, price=[1.0, 1.0]),
        emb_table(["A"], v[2:], ts=T0 + timedelta(hours=1), price=[2.0]),
        emb_table(["A"], v[:1], ts=T0 - timedelta(hours=1), price=[0.5]),
    ])
    result = online(fs).write_arrow(fs.config, view, batch)
    assert result["rows"] == 2
    got = online(fs).read_arrow(fs.config, view, ["A"], ["price_usd", "vector"])
    assert got.column("price_usd").to_pylist() == [2.0]
    np.testing.assert_allclose(got.column("vector")[0].values.to_numpy(), v[2], rtol=1e-6)
    # a later write of an older row must not overwrite the newer stored one
    stale = online(fs).write_arrow(fs.config, view, emb_table(["A"], v[:1], ts=T0, price=[9.0]))
    assert stale["stale"] == 1 and stale["updated"] == 0
    assert online(fs).read_arrow(fs.config, view, ["A"], ["price_usd"]).column(
        "price_usd").to_pylist() == [2.0]


def test_null_vector_is_a_clear_error_naming_the_asin(fs):
    view = fs.get_feature_view("emb")
    table = emb_table(["A", "B"], vectors(2))
    table = table.set_column(1, "vector", pa.array([[0.0] * DIM, None], pa.list_(pa.float32())))
    with pytest.raises(StoreError, match="NULL vector for ASIN B"):
        online(fs).write_arrow(fs.config, view, table)


def test_wrong_length_vector_is_a_clear_error_naming_the_asin(fs):
    view = fs.get_feature_view("emb")
    table = emb_table(["A", "B"], vectors(2))
    table = table.set_column(1, "vector", pa.array([[0.0] * DIM, [1.0] * (DIM + 1)],
                                                   pa.list_(pa.float32())))
    with pytest.raises(StoreError, match=r"length 9 instead of 8 for ASIN B"):
        online(fs).write_arrow(fs.config, view, table)


def test_update_twice_is_idempotent_and_teardown_leaves_nothing(tmp_path):
    fs = make_store(tmp_path)
    product, attrs, emb = make_views(tmp_path)
    fs.apply([product, attrs, emb])
    store = online(fs)
    view = fs.get_feature_view("emb")
    store.write_arrow(fs.config, view, emb_table(["A", "B"], vectors(2)))
    for _ in range(2):
        store.update(fs.config, [], [fs.get_feature_view("attrs"), view], [], [product], False)
    assert len(store.online_keys(fs.config, view)) == 2  # update kept the rows
    db = lancedb.connect(str(tmp_path / "online"))
    assert sorted(db.list_tables().tables) == ["t__attrs", "t__emb"]
    fs.teardown()
    assert not (tmp_path / "online").exists()


def test_schema_change_on_update_recreates_the_table(fs, tmp_path):
    store = online(fs)
    view = fs.get_feature_view("emb")
    store.write_arrow(fs.config, view, emb_table(["A"], vectors(1)))
    product = Entity(name="product", join_keys=["asin"], value_type=ValueType.STRING)
    src = FileSource(path=str(tmp_path / "none.parquet"), timestamp_field="event_timestamp")
    changed = FeatureView(name="emb", entities=[product], ttl=timedelta(0), source=src,
                          schema=[Field(name="vector", dtype=Array(Float32), vector_index=True,
                                        vector_length=4, vector_search_metric="cosine")])
    fs.apply([product, changed])
    assert len(store.online_keys(fs.config, fs.get_feature_view("emb"))) == 0


def test_config_is_validated_with_real_errors():
    with pytest.raises(ValueError, match="index_type"):
        LanceDBOnlineStoreConfig(path="x", index_type="HNSW_MAGIC")
    with pytest.raises(ValueError, match="positive"):
        LanceDBOnlineStoreConfig(path="x", nprobes=0)
    with pytest.raises(ValueError, match="empty"):
        LanceDBOnlineStoreConfig(path=" ")


def test_relative_path_resolves_against_the_repo(fs, tmp_path):
    view = fs.get_feature_view("attrs")
    online(fs).write_arrow(fs.config, view, pa.table({
        "asin": ["A"], "title": ["x"], "price_usd": [1.0],
        "event_ts": pa.array([T0], pa.timestamp("us", tz="UTC"))}))
    assert (tmp_path / "online" / "t__attrs.lance").is_dir()


def test_reader_with_an_open_handle_sees_later_writes(fs, tmp_path):
    view = fs.get_feature_view("emb")
    online(fs).write_arrow(fs.config, view, emb_table(["A"], vectors(1)))
    reader = lancedb.connect(str(tmp_path / "online"), read_consistency_interval=timedelta(0))
    handle = reader.open_table("t__emb")
    assert handle.count_rows() == 1
    online(fs).write_arrow(fs.config, view, emb_table(["B", "C"], vectors(2, seed=3)))
    assert handle.count_rows() == 3


def test_filters_translate_to_where_clauses():
    f = CompoundFilter(type="and", filters=[
        ComparisonFilter(type="lt", key="price_usd", value=20),
        ComparisonFilter(type="in", key="title", value=["a", "o'k"]),
        ComparisonFilter(type="ne", key="title", value=None)])
    where = to_where(f, ["price_usd", "title"])
    assert where == "(price_usd < 20 AND title IN ('a', 'o''k') AND title IS NOT NULL)"
    with pytest.raises(StoreError, match="unknown column"):
        to_where(ComparisonFilter(type="eq", key="x; DROP", value=1), ["price_usd"])


@pytest.mark.parametrize("metric", ["cosine", "L2"])
def test_retrieve_online_documents_v2_matches_exact_search(fs, metric):
    view = fs.get_feature_view("emb")
    v = vectors(300, seed=5)
    keys = [f"A{i:03d}" for i in range(300)]
    online(fs).write_arrow(fs.config, view, emb_table(keys, v))
    query = v[7]
    docs = online(fs).retrieve_online_documents_v2(
        fs.config, view, ["vector", "price_usd"], query.tolist(), 10, distance_metric=metric,
        filters=ComparisonFilter(type="lt", key="price_usd", value=150))
    docs.sort(key=lambda d: d[2]["distance"].float_val)
    got = [d[1].entity_values[0].string_val for d in docs]
    allowed = np.arange(300) < 150
    dist = 1 - v @ query if metric == "cosine" else np.linalg.norm(v - query, axis=1)
    dist[~allowed] = np.inf
    expected = [keys[i] for i in np.argsort(dist, kind="stable")[:10]]
    assert got == expected
    np.testing.assert_allclose([d[2]["distance"].float_val for d in docs],
                               np.sort(dist)[:10], atol=1e-4)


def test_retrieve_through_feature_store_sdk(fs):
    view = fs.get_feature_view("emb")
    v = vectors(50, seed=2)
    keys = [f"A{i:02d}" for i in range(50)]
    online(fs).write_arrow(fs.config, view, emb_table(keys, v))
    result = fs.retrieve_online_documents_v2(features=["emb:vector", "emb:price_usd"],
                                             query=v[3].tolist(), top_k=3).to_dict()
    by_asin = dict(zip(result["asin"], zip(result["distance"], result["price_usd"],
                                           strict=True), strict=True))
    assert len(by_asin) == 3
    assert by_asin["A03"][0] == pytest.approx(0, abs=1e-5) and by_asin["A03"][1] == 3.0
    for asin, (distance, price) in by_asin.items():  # rows stay aligned with their keys
        i = int(asin[1:])
        assert price == float(i) and distance == pytest.approx(1 - v[i] @ v[3], abs=1e-5)


def test_ann_index_is_built_by_size_and_keeps_recall(tmp_path):
    fs = make_store(tmp_path, index_min_rows=500, index_type="IVF_FLAT", nprobes=8)
    fs.apply(list(make_views(tmp_path)))
    view = fs.get_feature_view("emb")
    v = vectors(2000, seed=9)
    keys = [f"A{i:04d}" for i in range(2000)]
    result = online(fs).write_arrow(fs.config, view, emb_table(keys, v))
    assert any(a.startswith("ivf_flat") for a in result["index"])
    hits = 0
    for q in range(0, 2000, 100):
        got = online(fs).search(fs.config, view, v[q], 10, columns=[]).column("asin").to_pylist()
        exact = [keys[i] for i in np.argsort(1 - v @ v[q])[:10]]
        hits += len(set(got) & set(exact))
    assert hits / (20 * 10) >= 0.9


def test_reader_sees_a_table_another_process_recreated(fs, tmp_path):
    view = fs.get_feature_view("emb")
    store = online(fs)
    store.write_arrow(fs.config, view, emb_table(["A", "B"], vectors(2)))
    assert store.read_arrow(fs.config, view, ["A"], ["price_usd"]).num_rows == 1
    other = lancedb.connect(str(tmp_path / "online"))  # stands in for another process
    schema = other.open_table("t__emb").schema
    other.drop_table("t__emb")
    other.create_table("t__emb", schema=schema).add(
        emb_table(["C"], vectors(1)).cast(pa.schema([
            schema.field(n) for n in ["asin", "vector", "price_usd", "event_ts"]])
        ).append_column("created_ts", pa.nulls(1, schema.field("created_ts").type)))
    time.sleep(1.2)  # read_consistency_s: the handle checks for a newer version after 1 s
    assert store.read_arrow(fs.config, view, ["C"], ["price_usd"]).num_rows == 1
    hits = store.search(fs.config, view, vectors(1)[0], 5, columns=[])
    assert hits.column("asin").to_pylist() == ["C"]
