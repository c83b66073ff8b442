"""sql/materials_consistency.sql vs a numpy reference on random trees and probabilities."""

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from emma_fs.errors import AuditFailed
from emma_fs.training import consistency
from emma_fs.training.fill import expand_internal_labels
from emma_fs.training.hierarchy import MaterialTree


def reference(probs: np.ndarray, parent: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Up pass (parent >= max child), then down pass (children sum >= parent), by level."""
    p = np.clip(probs.astype(np.float64), 0, 1).copy()
    for lvl in range(int(depth.max()), 0, -1):
        for c in np.flatnonzero(depth == lvl):
            p[:, parent[c]] = np.maximum(p[:, parent[c]], p[:, c])
    for lvl in range(0, int(depth.max())):
        for node in np.flatnonzero(depth == lvl):
            kids = np.flatnonzero(parent == node)
            if not len(kids):
                continue
            s = p[:, kids].sum(axis=1)
            need = p[:, node] > s
            scaled = np.where(s[:, None] > 0,
                              np.minimum(1.0, p[:, kids] * p[:, node][:, None]
                                         / np.where(s > 0, s, 1)[:, None]),
                              p[:, node][:, None] / len(kids))
            p[:, kids] = np.where(need[:, None], scaled, p[:, kids])
    return p


def random_tree(rng: np.random.Generator, n: int) -> MaterialTree:
    pairs = [("n0", "")]
    for i in range(1, n):
        parent = "" if rng.random() < 0.15 else f"n{rng.integers(0, i)}"
        pairs.append((f"n{i}", parent))
    order = rng.permutation(n)  # the CSV order must not matter
    return MaterialTree.from_pairs([pairs[i] for i in order])


def run_sql(tmp_path, tree: MaterialTree, probs: np.ndarray) -> tuple[np.ndarray, dict]:
    csv = tmp_path / "taxonomy.csv"
    csv.write_text("node,parent,synonyms,patterns\n" + "".join(
        f"{n},{tree.nodes[p] if p >= 0 else ''},,\n" for n, p in zip(tree.nodes, tree.parent,
                                                                    strict=True)))
    b, k = probs.shape
    con = duckdb.connect()
    con.register("mp", pa.table({
        "asin": np.repeat([f"A{i:03d}" for i in range(b)], k),
        "node": np.tile(np.array(tree.nodes), b), "probability": probs.ravel(),
        "provenance": ["predicted:x:gen1"] * (b * k)}))
    con.execute("CREATE TABLE material_probs AS SELECT * FROM mp")
    audits = consistency.apply(con, consistency.load_sql(taxonomy_csv=csv))
    got = con.execute("SELECT asin, node, probability FROM _materials_consistent").fetchnumpy()
    out = np.full((b, k), np.nan)
    rows = np.array([int(a[1:]) for a in got["asin"]])
    cols = np.array([tree.index[x] for x in got["node"]])
    out[rows, cols] = got["probability"]
    return out, audits


def check_consistent(p: np.ndarray, tree: MaterialTree) -> None:
    for node in range(len(tree)):
        kids = tree.children_of(node)
        if len(kids):
            assert np.all(p[:, node] >= p[:, kids].max(axis=1) - 1e-9)
            assert np.all(p[:, node] <= np.minimum(1, p[:, kids].sum(axis=1)) + 1e-9)
    assert np.all((p >= 0) & (p <= 1))


@pytest.mark.parametrize("seed", range(6))
def test_sql_matches_numpy_reference_on_random_trees(tmp_path, seed):
    rng = np.random.default_rng(seed)
    tree = random_tree(rng, int(rng.integers(2, 25)))
    probs = rng.random((7, len(tree))) ** rng.uniform(0.3, 3)
    probs[0] = 0.0  # all-zero rows spread evenly
    probs[1, :] = rng.choice([0.0, 1.0], len(tree))
    got, audits = run_sql(tmp_path, tree, probs)
    assert not np.isnan(got).any()
    assert audits and all(v == 0 for v in audits.values())
    np.testing.assert_allclose(got, reference(probs, tree.parent, tree.depth), atol=1e-9)
    check_consistent(got, tree)


def test_already_consistent_input_is_unchanged(tmp_path):
    tree = MaterialTree.from_pairs([("metal", ""), ("steel", "metal"), ("aluminum", "metal")])
    probs = np.array([[0.8, 0.5, 0.4], [0.0, 0.0, 0.0], [1.0, 1.0, 0.3]])
    got, _ = run_sql(tmp_path, tree, probs)
    np.testing.assert_allclose(got, probs)


def test_observed_internal_label_expands_into_its_subtypes(tmp_path):
    tree = MaterialTree.from_pairs([("metal", ""), ("steel", "metal"), ("aluminum", "metal"),
                                    ("wood", "")])
    targets, mask = tree.encode([["metal"]])
    model = np.array([[0.3, 0.1, 0.3, 0.7]])
    probs, observed = expand_internal_labels(model, targets, mask, tree)
    assert probs[0].tolist() == pytest.approx([1.0, 0.25, 0.75, 0.0])
    assert observed[0].tolist() == [True, False, False, True]
    got, _ = run_sql(tmp_path, tree, probs)
    np.testing.assert_allclose(got, probs)  # already consistent after expansion


def test_audit_reports_violations(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE material_probs AS SELECT 'A' AS asin, 'x' AS node, "
                "0.5 AS probability, 'observed' AS provenance")
    sql = consistency.ConsistencySql(query="SELECT * FROM material_probs",
                                     audits={"bad": "SELECT * FROM @this WHERE probability > 0.4"})
    with pytest.raises(AuditFailed, match="bad"):
        consistency.apply(con, sql)
