"""`emma-fs materialize`: export -> apply -> fast-path materialize -> online reads equal the
offline exports; incremental runs pick up exactly the changed rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _feature_data import asins, make_embeddings, make_workspace
from typer.testing import CliRunner

from emma_fs.errors import ConfigError, StoreError
from emma_fs.features.export import export_tables
from emma_fs.features.materialize import materialize
from emma_fs.features.repo import features_dir, open_store
from emma_fs.workspace import init

N = 120


@pytest.fixture
def ws(tmp_path):
    workspace, _ = make_workspace(tmp_path / "ws", n=N, spaces=("text", "image"))
    return workspace


def by_view(result: dict) -> dict:
    return {v["view"]: v for v in result["views"]}


def online_equals_offline(ws, view_name: str) -> None:
    fs = open_store(ws)
    offline = pq.read_table(features_dir(ws) / f"{view_name}.parquet").sort_by("asin")
    names = [f.name for f in fs.get_feature_view(view_name).features]
    got = fs.get_online_features([f"{view_name}:{n}" for n in names],
                                 [{"asin": a} for a in offline.column("asin").to_pylist()]
                                 ).to_dict()
    for name in names:
        expected = offline.column(name).to_pylist()
        if name == "vector":
            np.testing.assert_allclose(np.array(got[name]), np.array(expected), rtol=1e-6)
        else:
            assert got[name] == expected, name


def test_round_trip_online_equals_offline(ws):
    result = materialize(ws)
    views = by_view(result)
    assert set(views) == {"listing_attributes", "text_embedding", "image_embedding"}
    for v in views.values():
        assert v["mode"] == "full" and v["written"] == N and v["online_rows"] == N
        assert v["reconciled"]
    for name in views:
        online_equals_offline(ws, name)


def test_incremental_picks_up_a_changed_row_only(ws):
    materialize(ws)
    fs = open_store(ws)
    first_end = fs.get_feature_view("listing_attributes").most_recent_end_time
    con = duckdb.connect(str(ws.duckdb_path))
    con.execute("UPDATE listings SET price_usd = 1234.5 WHERE asin = 'B000000007'")
    con.close()
    result = materialize(ws)
    exports = {e["view"]: e for e in result["exports"]}
    assert exports["listing_attributes"]["changed"] == 1
    views = by_view(result)
    assert views["listing_attributes"]["mode"] == "incremental"
    assert views["listing_attributes"]["written"] == 1
    assert views["text_embedding"]["written"] == 1  # the embedding view carries price_usd
    assert views["image_embedding"]["written"] == 1
    fs = open_store(ws)
    assert fs.get_feature_view("listing_attributes").most_recent_end_time > first_end
    got = fs.get_online_features(["listing_attributes:price_usd"],
                                 [{"asin": "B000000007"}, {"asin": "B000000008"}]).to_dict()
    assert got["price_usd"][0] == 1234.5 and got["price_usd"][1] != 1234.5
    online_equals_offline(ws, "listing_attributes")


def test_unchanged_second_run_writes_nothing_and_full_rebuilds(ws):
    materialize(ws)
    again = by_view(materialize(ws))
    assert all(v["written"] == 0 and v["reconciled"] for v in again.values())
    full = by_view(materialize(ws, full=True))
    assert all(v["mode"] == "full" and v["written"] == N for v in full.values())


def test_removed_listing_is_pruned_from_the_online_store(ws):
    materialize(ws)
    con = duckdb.connect(str(ws.duckdb_path))
    con.execute("DELETE FROM listings WHERE asin = 'B000000003'")
    con.close()
    views = by_view(materialize(ws))
    for v in views.values():
        assert v["pruned"] == 1 and v["online_rows"] == N - 1 and v["reconciled"]
    got = open_store(ws).get_online_features(["listing_attributes:title"],
                                             [{"asin": "B000000003"}]).to_dict()
    assert got["title"] == [None]


def test_new_table_becomes_a_view_without_code_changes(ws):
    con = duckdb.connect(str(ws.duckdb_path))
    con.execute("""CREATE TABLE filled_attributes AS
        SELECT asin, mass_kg * 2 AS mass_kg_filled, 'model:v1' AS mass_kg_source,
               {'a': 1} AS details
        FROM listings""")
    con.close()
    views = by_view(materialize(ws))
    assert views["filled_attributes"]["online_rows"] == N
    got = open_store(ws).get_online_features(
        ["filled_attributes:mass_kg_source", "filled_attributes:details"],
        [{"asin": "B000000001"}]).to_dict()
    assert got["mass_kg_source"] == ["model:v1"] and json.loads(got["details"][0]) == {"a": 1}


def test_without_listings_a_clear_error(tmp_path):
    ws = init(tmp_path / "empty")
    with pytest.raises(ConfigError, match="no `listings` view"):
        materialize(ws)


def test_null_vector_in_embedding_export_names_the_asin(ws):
    path = ws.exports_dir / "embeddings" / "text.parquet"
    table = pq.read_table(path)
    vectors = table.column("vector").to_pylist()
    vectors[5] = None
    pq.write_table(table.set_column(1, "vector", pa.array(vectors, pa.list_(pa.float32()))), path)
    with pytest.raises(StoreError, match="NULL vector for ASIN B000000005"):
        export_tables(ws)


def test_mixed_vector_lengths_name_the_asin(ws):
    make_embeddings(ws, "text", N, dim=16)
    path = ws.exports_dir / "embeddings" / "text.parquet"
    table = pq.read_table(path)
    vectors = table.column("vector").to_pylist()
    vectors[9] = vectors[9][:10]
    pq.write_table(table.set_column(1, "vector", pa.array(vectors, pa.list_(pa.float32()))), path)
    with pytest.raises(StoreError, match="B000000009 has 10"):
        export_tables(ws)


def test_embeddings_of_dropped_listings_are_not_served(tmp_path):
    ws, _ = make_workspace(tmp_path / "ws", n=50)
    make_embeddings(ws, "text", 60, keys=asins(60))  # 10 ASINs not in listings
    views = by_view(materialize(ws))
    assert views["text_embedding"]["online_rows"] == 50


def test_cli_materialize_json(ws):
    from cli.main import app

    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(ws.root), "-q", "materialize", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {v["view"] for v in data["views"]} == {"listing_attributes", "text_embedding",
                                                  "image_embedding"}
    assert all(v["reconciled"] for v in data["views"])


def test_dropped_in_export_with_duplicates_and_row_groups_keeps_latest_rows(ws):
    materialize(ws)
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    n = 3000
    keys = [f"X{i % 1000:05d}" for i in range(n)]  # every key three times
    table = pa.table({
        "asin": keys,
        "score": [float(i) for i in range(n)],
        "event_timestamp": pa.array([t0 + timedelta(seconds=i // 1000) for i in range(n)],
                                    pa.timestamp("us")),
    })
    pq.write_table(table, features_dir(ws) / "scores.parquet", row_group_size=400)
    views = by_view(materialize(ws, export=False, views=["scores"]))
    assert views["scores"]["online_rows"] == 1000 and views["scores"]["reconciled"]
    got = open_store(ws).get_online_features(["scores:score"],
                                             [{"asin": "X00007"}, {"asin": "X00999"}]).to_dict()
    assert got["score"] == [2007.0, 2999.0]  # the latest of the three rows per key


def test_smart_labels_are_pivoted_and_filled_generations_keep_the_latest(ws):
    con = duckdb.connect(str(ws.duckdb_path))
    con.execute("""CREATE TABLE smart_labels (asin VARCHAR, property VARCHAR, probability DOUBLE,
                   model_fingerprint VARCHAR, labeled_at TIMESTAMPTZ)""")
    con.execute("""INSERT INTO smart_labels VALUES
        ('B000000001', 'sharp', 0.2, 'm1', '2026-01-01'),
        ('B000000001', 'sharp', 0.9, 'm2', '2026-02-01'),
        ('B000000001', 'Electronic', 0.7, 'm2', '2026-02-01'),
        ('B000000002', 'sharp', 0.1, 'm2', '2026-02-01')""")
    con.execute("""CREATE TABLE filled_attributes (asin VARCHAR, generation INTEGER,
                   mass_kg DOUBLE, mass_kg_provenance VARCHAR, materials VARCHAR[])""")
    con.execute("""INSERT INTO filled_attributes VALUES
        ('B000000001', 1, 1.0, 'predicted:x:gen1', ['wood']),
        ('B000000001', 2, 2.0, 'predicted:x:gen2', ['metal', 'steel'])""")
    con.close()
    views = by_view(materialize(ws))
    assert views["smart_labels"]["online_rows"] == 2
    fs = open_store(ws)
    got = fs.get_online_features(
        ["smart_labels:sharp", "smart_labels:electronic", "filled_attributes:mass_kg",
         "filled_attributes:mass_kg_provenance", "filled_attributes:materials"],
        [{"asin": "B000000001"}, {"asin": "B000000002"}]).to_dict()
    assert got["sharp"] == [0.9, 0.1] and got["electronic"] == [0.7, None]
    assert got["mass_kg"] == [2.0, None] and got["mass_kg_provenance"][0].endswith("gen2")
    assert got["materials"][0] == ["metal", "steel"]
