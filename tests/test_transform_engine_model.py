"""Parsing transform files (header grammar, dependencies, file inputs) and the DAG."""

from __future__ import annotations

from pathlib import Path

import pytest

from emma_fs.errors import NotFound, TransformError
from emma_fs.transforms.audits import parse_audit
from emma_fs.transforms.dag import Dag
from emma_fs.transforms.model import load_transform, load_transforms


def write(sql_dir: Path, name: str, text: str) -> Path:
    sql_dir.mkdir(parents=True, exist_ok=True)
    path = sql_dir / f"{name}.sql"
    path.write_text(text)
    return path


def test_header_fields_and_defaults(tmp_path: Path) -> None:
    p = write(tmp_path, "clean_x", "-- kind: view\n-- description: tidy rows\n"
              "-- audit: not_null(a, b)\n-- audit: unique(a)\n-- A free comment: ignored\n"
              "SELECT a, b FROM raw_x\n")
    t = load_transform(p)
    assert (t.name, t.kind, t.description) == ("clean_x", "view", "tidy rows")
    assert [a.kind for a in t.audits] == ["not_null", "unique"]
    assert t.tables == ("raw_x",)
    named = write(tmp_path, "other", "-- name: Renamed\nSELECT 1 AS x\n")
    assert load_transform(named).name == "renamed" and load_transform(named).kind == "table"


def test_cte_and_subquery_aliases_are_not_dependencies(tmp_path: Path) -> None:
    p = write(tmp_path, "m", """
        WITH listings_joined AS (SELECT * FROM raw_a),
             b AS (SELECT * FROM listings_joined JOIN raw_b USING (asin))
        SELECT * FROM b AS x
        WHERE asin IN (SELECT asin FROM other_model)
          AND EXISTS (SELECT 1 FROM (SELECT 1 FROM raw_c) AS sub)""")
    assert load_transform(p).tables == ("other_model", "raw_a", "raw_b", "raw_c")


def test_file_inputs_resolve_against_sql_dir(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "tax.csv").write_text("a\n1\n")
    (tmp_path / "seeds" / "p1.json").write_text("{}")
    p = write(tmp_path, "m", "SELECT * FROM read_csv('seeds/tax.csv') "
              "UNION ALL SELECT 1 FROM read_json_auto('seeds/p*.json')")
    t = load_transform(p, tmp_path)
    assert t.tables == ()
    by_literal = {f.literal: f for f in t.file_inputs}
    assert by_literal["seeds/tax.csv"].path == (tmp_path / "seeds" / "tax.csv").resolve()
    assert [f.name for f in by_literal["seeds/p*.json"].files] == ["p1.json"]
    before = by_literal["seeds/tax.csv"].content_hash()
    (tmp_path / "seeds" / "tax.csv").write_text("a\n2\n")
    assert load_transform(p, tmp_path).file_inputs[1].content_hash() != before


@pytest.mark.parametrize("text, message", [
    ("-- kind: matview\nSELECT 1", "kind must be one of"),
    ("-- materialized: yes\nSELECT 1", "unknown header key 'materialized'"),
    ("SELECT 1; SELECT 2", "exactly one query, found 2"),
    ("CREATE TABLE x AS SELECT 1", "one SELECT/WITH/UNION query, got CREATE"),
    ("DELETE FROM x", "got DELETE"),
    ("SELECT FROM WHERE", "SQL does not parse"),
    ("", "exactly one query, found 0"),
    ("SELECT * FROM read_csv('seeds/missing.csv')", "input file 'seeds/missing.csv' not found"),
    ("SELECT * FROM read_parquet(some_column)", "file inputs must be string literals"),
    ("-- audit: unique()\nSELECT 1", "expected column names"),
    ("-- audit: maybe(a)\nSELECT 1", "cannot read audit"),
    ("-- audit: relationships(a -> b)\nSELECT 1", "relationships needs"),
    ("-- audit: accepted_values(a)\nSELECT 1", "accepted_values needs"),
    ("-- audit: custom(x): DELETE FROM @this\nSELECT 1", "custom audit must be a SELECT"),
    ("-- name: bad-name\nSELECT 1", "not a plain SQL identifier"),
])
def test_malformed_files_give_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    p = write(tmp_path, "bad", text)
    with pytest.raises(TransformError, match="bad.sql") as info:
        load_transform(p)
    assert message in str(info.value)


def test_duplicate_names_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a", "SELECT 1 AS x")
    write(tmp_path, "b", "-- name: a\nSELECT 2 AS x")
    with pytest.raises(TransformError, match="two transforms are named 'a'"):
        load_transforms(tmp_path)


def test_dag_order_closures_and_cycles(tmp_path: Path) -> None:
    write(tmp_path, "c", "SELECT * FROM b JOIN a USING (x)")
    write(tmp_path, "b", "SELECT * FROM a")
    write(tmp_path, "a", "SELECT * FROM raw_t")
    write(tmp_path, "d", "-- audit: relationships(x -> c.x)\nSELECT * FROM raw_t")
    dag = Dag.build(load_transforms(tmp_path))
    assert dag.order == ("a", "b", "c", "d")  # d after c: its audit reads c
    assert dag.parents["d"] == ()
    assert dag.downstream("a") == ["b", "c"]
    assert dag.upstream(["b"]) == {"a", "b"}
    with pytest.raises(NotFound, match="no transform named 'zz'"):
        dag.upstream(["zz"])
    write(tmp_path, "a", "SELECT * FROM c")
    with pytest.raises(TransformError, match="cycle: a -> c -> a|cycle: a -> b -> c -> a"):
        Dag.build(load_transforms(tmp_path))
    write(tmp_path, "a", "SELECT * FROM a")
    with pytest.raises(TransformError, match="reads its own output"):
        Dag.build(load_transforms(tmp_path))


def test_accepted_values_parses_literals() -> None:
    a = parse_audit("accepted_values(split: 'train', 'validation', 3)", "f:1")
    assert a.columns == ("split",) and a.values == ("'train'", "'validation'", "3")
    r = parse_audit("relationships(asin -> listings_joined.asin)", "f:2")
    assert (r.ref_table, r.ref_column, r.references) == ("listings_joined", "asin",
                                                         ("listings_joined",))
