"""Running transforms against a real DuckDB file: order, no-op reruns, fingerprint changes,
reuse, rollback, audits, gc, lineage and @fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from emma_fs import db
from emma_fs.errors import AuditFailed, NotFound, TransformError
from emma_fs.transforms.engine import Engine

CLEAN = """-- description: cleaned items
-- audit: not_null(id)
-- audit: unique(id)
WITH base AS (SELECT id, code, price FROM raw_items)
SELECT b.id, b.code, s.label, b.price, @fingerprint AS fp
FROM base AS b LEFT JOIN read_csv('seeds/codes.csv') AS s ON s.code = b.code
"""
SUMMARY = """-- kind: view
-- audit: accepted_values(code: 'a', 'b')
-- audit: relationships(code -> clean.code)
-- audit: custom(no negative totals): SELECT * FROM @this WHERE total < 0
SELECT code, sum(price) AS total, count(*) AS n FROM clean GROUP BY code
"""
TOP = "SELECT code FROM summary WHERE total > 2\n"


@pytest.fixture
def project(tmp_path: Path):
    sql = tmp_path / "sql"
    (sql / "seeds").mkdir(parents=True)
    (sql / "seeds" / "codes.csv").write_text("code,label\na,Alpha\nb,Beta\n")
    (sql / "clean.sql").write_text(CLEAN)
    (sql / "summary.sql").write_text(SUMMARY)
    (sql / "top.sql").write_text(TOP)
    con = db.connect(tmp_path / "emma.duckdb")
    con.execute("CREATE TABLE raw_items AS SELECT * FROM (VALUES (1, 'a', 2.0::DOUBLE), "
                "(2, 'b', 3.0), (3, 'a', 1.5)) t(id, code, price)")
    db.set_source_version(con, "raw_items", "v1")
    engine = Engine(con, sql)
    yield engine, con, sql
    con.close()


def current(con) -> dict[str, str]:
    return dict(con.execute("SELECT name, fingerprint FROM _emma_transforms").fetchall())


def test_first_run_builds_in_dependency_order(project) -> None:
    engine, con, _ = project
    plan = engine.plan()
    assert [i.status for i in plan.items.values()] == ["new", "new", "new"]
    assert plan.items["clean"].downstream == ["summary", "top"]
    result = engine.run()
    assert [s.name for s in result.steps] == ["clean", "summary", "top"]
    assert result.built == ["clean", "summary", "top"]
    assert con.execute("SELECT * FROM top ORDER BY code").fetchall() == [("a",), ("b",)]
    assert con.execute("SELECT code, total FROM summary ORDER BY code").fetchall()[0][1] == 3.5
    fp = current(con)["clean"]
    # @fingerprint is the transform's own fingerprint; the view reads the physical table
    assert con.execute("SELECT DISTINCT fp FROM clean").fetchall() == [(fp,)]
    assert con.execute("SELECT count(*) FROM emma_versions.\"clean__" + fp[:12] + "\"").fetchone(
        )[0] == 3
    log = engine.log()
    assert {r["status"] for r in log} == {"success"} and len(log) == 3
    assert log[0]["duckdb_version"] and log[0]["sqlglot_version"] == "30.30.0"
    assert {r["rows_out"] for r in log if r["transform"] == "clean"} == {3}


def test_rerun_with_nothing_changed_does_no_work(project) -> None:
    engine, con, _ = project
    engine.run()
    before = con.execute("SELECT count(*) FROM _emma_transform_runs").fetchone()[0]
    result = engine.run()
    assert result.steps == [] and sorted(result.unchanged) == ["clean", "summary", "top"]
    assert con.execute("SELECT count(*) FROM _emma_transform_runs").fetchone()[0] == before
    assert all(i.status == "unchanged" for i in engine.plan().items.values())


@pytest.mark.parametrize("change, target, reason, rebuilt", [
    ("sql", "summary", "sql changed", ["summary", "top"]),
    ("parent", "summary", "parent clean changed", ["clean", "summary", "top"]),
    ("file", "clean", "input file seeds/codes.csv changed", ["clean", "summary", "top"]),
    ("external", "clean", "external table raw_items changed", ["clean", "summary", "top"]),
])
def test_fingerprint_changes(project, change: str, target: str, reason: str,
                             rebuilt: list[str]) -> None:
    engine, con, sql = project
    engine.run()
    old = current(con)
    if change == "sql":
        (sql / "summary.sql").write_text(SUMMARY.replace("count(*) AS n", "count(*) AS n_rows"))
    elif change == "parent":
        (sql / "clean.sql").write_text(CLEAN.replace("b.price,", "b.price * 2 AS price,"))
    elif change == "file":
        (sql / "seeds" / "codes.csv").write_text("code,label\na,Alfa\nb,Beta\n")
    else:
        con.execute("INSERT INTO raw_items VALUES (4, 'b', 9.0)")
        db.set_source_version(con, "raw_items", "v2")
    plan = engine.plan()
    changed = [i.name for i in plan.changed()]
    assert changed == rebuilt
    assert reason in plan.items[target].reasons
    assert "parent summary changed" in plan.items["top"].reasons
    assert engine.run().built == rebuilt
    new = current(con)
    assert {n for n in new if new[n] != old[n]} == set(rebuilt)


def test_comment_and_whitespace_edits_keep_the_fingerprint(project) -> None:
    engine, con, sql = project
    engine.run()
    (sql / "top.sql").write_text("-- a new comment\nselect   code\nFROM summary\n"
                                 "where total > 2  -- trailing\n")
    assert engine.plan().items["top"].status == "unchanged"


def test_rollback_and_reuse_by_pointer_swap(project) -> None:
    engine, con, sql = project
    engine.run()
    v1 = current(con)["clean"]
    (sql / "clean.sql").write_text(CLEAN.replace("b.price,", "b.price * 10 AS price,"))
    engine.run()
    v2 = current(con)["clean"]
    assert con.execute("SELECT max(price) FROM clean").fetchone()[0] == 30
    out = engine.rollback("clean")
    assert out == {"transform": "clean", "from": v2[:12], "to": v1[:12]}
    assert current(con)["clean"] == v1
    assert con.execute("SELECT max(price) FROM clean").fetchone()[0] == 3
    assert engine.rollback("clean", to=v2[:8])["to"] == v2[:12]
    assert con.execute("SELECT max(price) FROM clean").fetchone()[0] == 30
    with pytest.raises(NotFound, match="no version of clean matches 'ffff'"):
        engine.rollback("clean", to="ffff")
    with pytest.raises(NotFound, match="never been built"):
        engine.rollback("nope")
    # going back to the old SQL reuses the old physical tables: swaps, no builds
    (sql / "clean.sql").write_text(CLEAN)
    assert [i.action() for i in engine.plan().changed()] == ["swap", "swap", "swap"]
    result = engine.run()
    assert result.built == [] and result.swapped == ["clean", "summary", "top"]
    assert current(con)["clean"] == v1


def test_failing_audit_blocks_the_switch(project) -> None:
    engine, con, _ = project
    engine.run()
    old = current(con)
    con.execute("INSERT INTO raw_items VALUES (3, 'a', 7.0), (5, 'zzz', -40.0)")
    db.set_source_version(con, "raw_items", "v2")
    with pytest.raises(AuditFailed) as info:
        engine.run()
    msg = str(info.value)
    assert "transform clean" in msg and "audit unique(id) failed: 1 violating row(s)" in msg
    assert "'id': 3" in msg
    assert current(con) == old  # view still points at the old version
    assert con.execute("SELECT count(*) FROM clean").fetchone()[0] == 3
    failed = [r for r in engine.log() if r["status"] == "failed"]
    assert [r["transform"] for r in failed] == ["clean"]
    assert "unique(id)" in failed[0]["message"]
    tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = "
                         "'emma_versions' AND table_name LIKE 'clean__%'").fetchall()
    assert tables == [(f"clean__{old['clean'][:12]}",)]  # the failed build left nothing


def test_view_audits_custom_and_accepted_values(project) -> None:
    engine, con, _ = project
    con.execute("INSERT INTO raw_items VALUES (9, 'c', -10.0)")
    db.set_source_version(con, "raw_items", "v2")
    with pytest.raises(AuditFailed) as info:
        engine.run()
    msg = str(info.value)
    assert "transform summary" in msg
    assert "accepted_values(code: 'a', 'b') failed: 1" in msg
    assert "custom(no negative totals)" in msg and "'total': -10.0" in msg
    assert "summary" not in current(con)


def test_changed_audit_reruns_audit_not_build(project) -> None:
    engine, con, sql = project
    engine.run()
    fp = current(con)["top"]
    (sql / "top.sql").write_text("-- audit: accepted_values(code: 'a')\n" + TOP)
    plan = engine.plan()
    assert plan.items["top"].status == "audits_changed"
    with pytest.raises(AuditFailed, match="accepted_values"):
        engine.run()
    (sql / "top.sql").write_text("-- audit: not_null(code)\n" + TOP)
    result = engine.run()
    assert [(s.name, s.action) for s in result.steps] == [("top", "audited")]
    assert current(con)["top"] == fp


def test_missing_external_table_names_transform_and_table(project) -> None:
    engine, con, sql = project
    (sql / "extra.sql").write_text("SELECT * FROM raw_missing")
    (sql / "extra_child.sql").write_text("SELECT * FROM extra")
    plan = engine.plan()
    assert (plan.items["extra"].status, plan.items["extra"].reasons) == (
        "blocked", ["missing table raw_missing"])
    assert plan.items["extra_child"].reasons == ["parent extra is blocked"]
    with pytest.raises(TransformError, match="transform extra .* reads table raw_missing, "
                       "which does not exist"):
        engine.run()
    assert con.execute("SELECT count(*) FROM _emma_transform_runs").fetchone()[0] == 0


def test_unversioned_external_table_uses_its_content(project) -> None:
    engine, con, sql = project
    (sql / "dc.sql").write_text("SELECT asin_a FROM dedup_candidates")
    first = engine.plan().items["dc"].fingerprint
    assert engine.plan().items["dc"].fingerprint == first
    con.execute("INSERT INTO dedup_candidates VALUES ('A', 'B', 'text', 0.9, 'e1')")
    assert engine.plan().items["dc"].fingerprint != first


def test_run_named_transform_builds_only_its_upstream(project) -> None:
    engine, con, _ = project
    result = engine.run(["summary"])
    assert result.built == ["clean", "summary"]
    assert "top" not in current(con)
    with pytest.raises(NotFound):
        engine.run(["nope"])


def test_sql_error_is_logged_and_raised(project) -> None:
    engine, con, sql = project
    (sql / "broken.sql").write_text("SELECT no_such_column FROM raw_items")
    with pytest.raises(TransformError, match="transform broken .*failed: Binder Error"):
        engine.run()
    assert [r["status"] for r in engine.log() if r["transform"] == "broken"] == ["failed"]


def test_gc_keeps_current_and_recent(project) -> None:
    engine, con, sql = project
    engine.run()
    for factor in (2, 3, 4):
        (sql / "clean.sql").write_text(CLEAN.replace("b.price,", f"b.price * {factor} AS price,"))
        engine.run()
    phys = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'emma_versions' AND " \
           "table_name LIKE 'clean__%'"
    assert con.execute(phys).fetchone()[0] == 4
    dropped = engine.gc(keep=1)
    assert len([d for d in dropped if d.startswith("clean__")]) == 2
    assert con.execute(phys).fetchone()[0] == 2
    assert con.execute("SELECT max(price) FROM clean").fetchone()[0] == 12
    assert con.execute("SELECT count(*) FROM top").fetchone()[0] == 2  # views still resolve
    engine.rollback("clean")  # the kept previous version is still usable
    assert con.execute("SELECT max(price) FROM clean").fetchone()[0] == 9
    engine.gc(keep=0)
    # summary's current version is a view reading clean's newest table: that one stays
    assert con.execute(phys).fetchone()[0] == 2
    assert engine.run().swapped == ["clean"]
    engine.gc(keep=0)
    assert con.execute(phys).fetchone()[0] == 1
    assert engine.gc(keep=0) == []
    with pytest.raises(TransformError, match="--keep"):
        engine.gc(keep=-1)


def test_lineage_reaches_raw_columns(project) -> None:
    engine, con, _ = project
    engine.run()
    rows = engine.lineage("top.code")
    assert rows[0] == {"depth": 0, "column": "top.code", "kind": "transform",
                       "expression": "summary.code AS code"}
    cols = [r["column"] for r in rows]
    assert "summary.code" in cols and "clean.code" in cols
    assert rows[-1]["column"] == "raw_items.code" and rows[-1]["kind"] == "external"
    label = engine.lineage("clean.label")
    assert label[-1]["kind"] == "file" and "codes.csv" in label[-1]["column"]
    with pytest.raises(NotFound):
        engine.lineage("nope.x")
    with pytest.raises(TransformError, match="TABLE.COLUMN"):
        engine.lineage("code")


def test_list_shows_kind_and_current_fingerprint(project) -> None:
    engine, con, _ = project
    assert [r["current"] for r in engine.list()] == ["", "", ""]
    engine.run()
    rows = {r["transform"]: r for r in engine.list()}
    assert rows["summary"]["kind"] == "view" and rows["clean"]["versions"] == 1
    assert rows["clean"]["current"] == current(con)["clean"][:12]
    assert rows["clean"]["description"] == "cleaned items"


def test_table_named_like_a_transform_is_an_error(project) -> None:
    engine, con, _ = project
    con.execute("CREATE TABLE top AS SELECT 1 AS x")
    with pytest.raises(TransformError, match="a table named top already exists"):
        engine.plan()


def test_selection_ignores_transforms_outside_it(project) -> None:
    engine, con, sql = project
    (sql / "later.sql").write_text("SELECT * FROM filled_not_yet_written")
    plan = engine.plan(["summary"])
    assert list(plan.items) == ["clean", "summary"]
    assert engine.run(["top"]).built == ["clean", "summary", "top"]
    with pytest.raises(TransformError, match="reads table filled_not_yet_written"):
        engine.run()


def test_custom_audit_with_nested_name_and_seed_file(project) -> None:
    engine, con, sql = project
    (sql / "codes.sql").write_text(
        "-- audit: custom(label in seed (see codes.csv)): SELECT c.* FROM @this AS c "
        "ANTI JOIN read_csv('seeds/codes.csv') AS s ON s.label = c.label\n"
        "SELECT code, label FROM clean\n")
    assert "codes" in engine.run().built
    (sql / "seeds" / "codes.csv").write_text("code,label\na,Alpha\nb,Beta\n")
    con.execute("INSERT INTO raw_items VALUES (7, 'q', 1.0)")  # label NULL: not in the seed
    db.set_source_version(con, "raw_items", "v3")
    (sql / "summary.sql").write_text("SELECT code FROM clean\n")
    with pytest.raises(AuditFailed, match=r"custom\(label in seed \(see codes.csv\)\) failed"):
        engine.run(["codes"])


def test_view_version_reads_main_tables_not_lookalikes(project) -> None:
    engine, con, sql = project
    (sql / "raw_view.sql").write_text("-- kind: view\nSELECT id FROM raw_items\n")
    engine.run()
    con.execute("CREATE TABLE emma_versions.raw_items AS SELECT 99 AS id")
    assert con.execute("SELECT count(*) FROM raw_view").fetchone()[0] == 3


def test_fingerprint_components_explain_changes() -> None:
    from emma_fs.transforms.fingerprint import Components

    old = Components("s1", "table", {"p": "1"}, {"seeds/a.csv": "h"}, {"raw_x": "v1"}, "30.30.0")
    new = Components("s1", "view", {"p": "1"}, {}, {"raw_x": "v1"}, "31.0.0")
    assert new.changes_since(old) == ["kind table -> view", "input file seeds/a.csv changed",
                                      "sqlglot 30.30.0 -> 31.0.0"]
    assert new.fingerprint() != old.fingerprint()
    assert Components.from_json(old.to_json()).fingerprint() == old.fingerprint()
