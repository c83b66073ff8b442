"""`emma-fs neighbors`: excludes the item itself, matches an exact numpy search, filters, and
fails clearly on unknown ASINs; the same search through Feast's retrieve_online_documents_v2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _feature_data import asins, make_workspace
from typer.testing import CliRunner

from emma_fs.errors import NotFound, QueryError
from emma_fs.features.materialize import materialize
from emma_fs.features.neighbors import neighbors, neighbors_many
from emma_fs.features.repo import open_store

N = 300


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    ws, vectors = make_workspace(tmp_path_factory.mktemp("nb") / "ws", n=N)
    materialize(ws)
    return ws, vectors["text"]


def exact(vectors: np.ndarray, q: int, k: int, allowed: np.ndarray | None = None) -> list[str]:
    dist = 1.0 - vectors @ vectors[q]
    dist[q] = np.inf
    if allowed is not None:
        dist[~allowed] = np.inf
    keys = asins(len(vectors))
    return [keys[i] for i in np.argsort(dist, kind="stable")[:k]]


def prices(n: int) -> np.ndarray:  # the generator's price formula (tests/_feature_data.py)
    i = np.arange(n)
    return np.round(1 + (i * 37 % 100) + 0.99, 2)


@pytest.mark.parametrize("q", [0, 17, 299])
def test_neighbors_exclude_self_and_match_exact_search(built, q):
    ws, vectors = built
    rows = neighbors(ws, asins(N)[q], k=10)
    got = [r["asin"] for r in rows]
    assert asins(N)[q] not in got
    assert got == exact(vectors, q, 10)
    assert [r["rank"] for r in rows] == list(range(1, 11))
    np.testing.assert_allclose([r["distance"] for r in rows],
                               np.sort(1.0 - vectors @ vectors[q])[1:11], atol=1e-5)
    assert rows[0]["title"].startswith("Item ") and rows[0]["category"]
    assert isinstance(rows[0]["price_usd"], float)


def test_where_filter_matches_exact_search_on_the_subset(built):
    ws, vectors = built
    rows = neighbors(ws, asins(N)[5], k=8, where="price_usd < 20")
    assert rows and all(r["price_usd"] < 20 for r in rows)
    assert [r["asin"] for r in rows] == exact(vectors, 5, 8, allowed=prices(N) < 20)


def test_unknown_asin_is_not_found(built):
    ws, _ = built
    with pytest.raises(NotFound, match="ASIN NOPE is not in the text_embedding view"):
        neighbors(ws, "NOPE")


def test_bad_inputs_are_query_errors(built):
    ws, _ = built
    with pytest.raises(QueryError, match="--where"):
        neighbors(ws, asins(N)[1], where="no_such_column > 3")
    with pytest.raises(QueryError, match="unknown space"):
        neighbors(ws, asins(N)[1], space="audio")
    with pytest.raises(NotFound, match="no image embeddings"):
        neighbors(ws, asins(N)[1], space="image")


def test_batch_form(built):
    ws, vectors = built
    rows = neighbors_many(ws, asins(N)[:3], k=4)
    assert [r["query"] for r in rows] == [a for a in asins(N)[:3] for _ in range(4)]
    assert [r["asin"] for r in rows[4:8]] == exact(vectors, 1, 4)


def test_same_search_through_feast_retrieve_online_documents_v2(built):
    ws, vectors = built
    fs = open_store(ws)
    result = fs.retrieve_online_documents_v2(
        features=["text_embedding:vector", "text_embedding:title"],
        query=vectors[42].tolist(), top_k=6).to_dict()
    ranked = [a for _, a in sorted(zip(result["distance"], result["asin"], strict=True))]
    assert ranked[0] == asins(N)[42]  # the item itself, at distance 0
    assert ranked[1:] == exact(vectors, 42, 5)
    for asin, title in zip(result["asin"], result["title"], strict=True):
        assert title == f"Item {int(asin[1:])}"


def test_cli_json_and_file(built, tmp_path):
    from cli.main import app

    ws, vectors = built
    runner = CliRunner()
    result = runner.invoke(app, ["-w", str(ws.root), "neighbors", asins(N)[3], "-k", "3",
                                 "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["asin"] for r in rows] == exact(vectors, 3, 3)
    assert set(rows[0]) == {"rank", "asin", "distance", "title", "category", "price_usd"}
    listing = tmp_path / "asins.txt"
    listing.write_text(f"{asins(N)[1]}\n\n{asins(N)[2]}\n")
    result = runner.invoke(app, ["-w", str(ws.root), "--json", "neighbors", "--file",
                                 str(listing), "-k", "2"])
    rows = json.loads(result.stdout)
    assert [r["query"] for r in rows] == [asins(N)[1]] * 2 + [asins(N)[2]] * 2


@pytest.mark.slow  # a fresh process imports feast: seconds idle, much longer under load
def test_cli_unknown_asin_exits_1_with_json_error(built):
    ws, _ = built
    exe = Path(sys.executable).parent / "emma-fs"
    result = subprocess.run([str(exe), "-w", str(ws.root), "neighbors", "NOPE", "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "not_found" and "NOPE" in error["message"]
