"""The materials taxonomy CSV is one tree with unique snake_case names, valid RE2/Python
patterns and normalised synonyms; the loader's tree helpers agree with each other; seller
strings map to the most specific nodes; the same rule runs in DuckDB SQL."""

from __future__ import annotations

import csv
import re

import duckdb
import pytest

from emma_fs.errors import ConfigError
from emma_fs.taxonomy import materials as m

PAPER_NODES = (
    "plastic", "thermoplastic", "acrylic", "nylon_plastic", "nylon_fabric", "cardboard",
    "cardstock", "diamond", "liquid", "electronics", "food", "gold", "genuine_leather", "leather",
    "lace", "marble", "faux_fur", "cherry", "cedar", "pine", "steel", "stainless_steel",
    "aluminum", "plush", "microfiber", "fabric", "cotton", "polyester", "spandex", "glass",
    "ceramic", "silicone", "rubber", "wood", "metal",
)


def test_one_tree_with_a_single_synthetic_root():
    nodes = m.load()
    names = [n.node for n in nodes]
    assert len(names) == len(set(names)), "node names must be unique"
    roots = [n.node for n in nodes if n.parent is None]
    assert roots == [m.ROOT]
    known = set(names)
    for n in nodes:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", n.node), n.node
        assert n.parent is None or n.parent in known, n
        assert m.ancestors(n.node)[-1:] in ([], [m.ROOT])  # reaches the root, no cycle
    assert 150 <= len(nodes) <= 250  # "about 182"; code uses len(load()) everywhere


def test_patterns_compile_in_python_and_duckdb_and_synonyms_are_normalised():
    con = duckdb.connect()
    for n in m.load():
        for p in n.patterns:
            assert "|" not in p
            re.compile(p)
            con.execute("SELECT regexp_matches('x', ?)", [p]).fetchone()
        for s in n.synonyms:
            assert re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", s), (n.node, s)


def test_paper_nodes_and_branches():
    names = set(m.names())
    assert set(PAPER_NODES) <= names
    assert m.ancestors("acrylic")[:2] == ["thermoplastic", "plastic"]
    assert "fabric" in m.ancestors("microfiber")
    assert "plastic" in m.ancestors("nylon_plastic")
    assert "fabric" in m.ancestors("nylon_fabric")
    assert m.ancestors("stainless_steel")[:2] == ["steel", "metal"]
    assert m.depth(m.ROOT) == 0 and m.depth("metal") == 1
    assert "stainless_steel" in m.children("steel")
    assert all(m.parent_map()[c] == "steel" for c in m.children("steel"))


def test_every_synonym_maps_back_to_its_node_or_a_descendant():
    failures = []
    for n in m.load():
        for s in n.synonyms:
            hits = m.match(s)
            if not any(h == n.node or n.node in m.ancestors(h) for h in hits):
                failures.append((n.node, s, hits))
    assert not failures, failures[:10]


@pytest.mark.parametrize("seller, expected", [
    ("Stainless Steel", ["stainless_steel"]),
    ("SS304", ["stainless_steel"]),
    ("18/8 stainless", ["stainless_steel"]),
    ("100% Cotton", ["cotton"]),
    ("Polyester/Spandex", ["polyester", "spandex"]),
    ("95% Polyster, 5% Spandex", ["polyester", "spandex"]),
    ("plush", ["plush"]),
    ("Microfibre", ["microfiber"]),
    ("PA66", ["nylon_plastic"]),
    ("Faux Leather", ["faux_leather"]),
    ("Alumnium", ["aluminum"]),
    ("Cherry Wood", ["cherry"]),
    ("Imported", []),
    ("Made in China", []),
])
def test_match_seller_strings(seller, expected):
    assert sorted(m.match(seller)) == sorted(expected)


def test_most_specific_drops_ancestors():
    assert m.most_specific(["metal", "steel", "stainless_steel", "cotton"]) == [
        "stainless_steel", "cotton"]
    with pytest.raises(KeyError):
        m.ancestors("unobtainium")


def test_bad_csv_header_is_a_clear_error(tmp_path):
    bad = tmp_path / "tax.csv"
    bad.write_text("name,parent\nmaterial,\n")
    with pytest.raises(ConfigError, match="header"):
        m.load(bad)
    with pytest.raises(ConfigError, match="not found"):
        m.load(tmp_path / "missing.csv")


def test_same_rule_in_duckdb_sql_matches_python():
    """The SQL transforms map seller strings with this rule; check it agrees with match()."""
    strings = ["Stainless Steel", "95% Polyester, 5% Spandex", "Genuine Leather and Rubber",
               "Acrylic", "SS304", "Imported", "Tempered Glass/ABS", "Bamboo"]
    con = duckdb.connect()
    con.execute("CREATE TABLE s(text VARCHAR)")
    con.executemany("INSERT INTO s VALUES (?)", [[x] for x in strings])
    with open(m.TAXONOMY_CSV, newline="") as f:
        rows = list(csv.DictReader(f))
    con.execute("CREATE TABLE tax(node VARCHAR, synonyms VARCHAR, patterns VARCHAR)")
    con.executemany("INSERT INTO tax VALUES (?, ?, ?)",
                    [[r["node"], r["synonyms"], r["patterns"]] for r in rows])
    got = con.sql("""
        WITH norm AS (
            SELECT text, lower(text) AS low,
                   ' ' || trim(regexp_replace(lower(text), '[^a-z0-9]+', ' ', 'g')) || ' ' AS n
            FROM s),
        syn AS (SELECT node, unnest(string_split(synonyms, '|')) AS syn FROM tax
                WHERE synonyms <> ''),
        pat AS (SELECT node, unnest(string_split(patterns, '|')) AS pat FROM tax
                WHERE patterns <> '')
        SELECT text, node FROM norm JOIN syn ON contains(n, ' ' || syn || ' ')
        UNION
        SELECT text, node FROM norm JOIN pat ON regexp_matches(low, pat)
    """).fetchall()
    sql_hits: dict[str, set[str]] = {}
    for text, node in got:
        sql_hits.setdefault(text, set()).add(node)
    for text in strings:
        assert set(m.most_specific(sql_hits.get(text, set()))) == set(m.match(text)), text
