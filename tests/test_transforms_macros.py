"""Shared SQL macros (``sql/macros/*.sql``) with real DuckDB: transforms and audits can call
them, a macro change re-fingerprints and rebuilds exactly the transforms that use it (directly
or through another macro), malformed macro files fail naming the file, and the shipped
text-cleaning macros keep their behaviour."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from emma_fs import db
from emma_fs.errors import TransformError
from emma_fs.transforms.engine import Engine
from emma_fs.transforms.macros import install, load_macros
from emma_fs.workspace import SHIPPED_SQL_DIR

TEXT_MACROS = """-- shared text helpers
CREATE OR REPLACE MACRO tidy(s) AS nullif(trim(s), '');
CREATE OR REPLACE MACRO shout(s) AS upper(tidy(s)) || '!';
"""
LOUD = """-- audit: custom(shouted): SELECT * FROM @this WHERE tidy(loud) NOT LIKE '%!'
SELECT id, shout(label) AS loud FROM raw_items
"""
QUIET = "SELECT id, lower(label) AS quiet FROM raw_items\n"
LOUDEST = "SELECT id, loud || loud AS loudest FROM loud\n"


@pytest.fixture
def project(tmp_path: Path):
    sql = tmp_path / "sql"
    (sql / "macros").mkdir(parents=True)
    (sql / "macros" / "text.sql").write_text(TEXT_MACROS)
    (sql / "loud.sql").write_text(LOUD)
    (sql / "quiet.sql").write_text(QUIET)
    (sql / "loudest.sql").write_text(LOUDEST)
    con = db.connect(tmp_path / "emma.duckdb")
    con.execute("CREATE TABLE raw_items AS SELECT * FROM (VALUES (1, ' Ab '), (2, 'c')) "
                "t(id, label)")
    db.set_source_version(con, "raw_items", "v1")
    yield Engine(con, sql), con, sql
    con.close()


def fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT name, fingerprint FROM _emma_transforms").fetchall())


def test_transforms_and_audits_can_call_macros(project) -> None:
    engine, con, _ = project
    plan = engine.plan()
    # macro names are functions, not tables: no dependency, no "missing table"
    assert plan.dag.parents == {"loud": (), "loudest": ("loud",), "quiet": ()}
    assert {n: i.status for n, i in plan.items.items()} == {
        "loud": "new", "loudest": "new", "quiet": "new"}
    assert sorted(plan.items["loud"].components.macros) == ["shout", "tidy"]  # tidy via shout
    assert plan.items["quiet"].components.macros == {}
    assert "macros" not in plan.items["quiet"].components.to_json()
    assert engine.run().built == ["loud", "quiet", "loudest"]
    assert con.execute("SELECT loud FROM loud ORDER BY id").fetchall() == [("AB!",), ("C!",)]
    assert con.execute("SELECT loudest FROM loudest WHERE id = 2").fetchone() == ("C!C!",)


def test_macro_change_rebuilds_only_its_users(project) -> None:
    engine, con, sql = project
    engine.run()
    before = fingerprints(con)
    macro_file = sql / "macros" / "text.sql"
    macro_file.write_text("-- reworded comment\n" + TEXT_MACROS.replace(" AS ", " AS\n    "))
    assert engine.run().built == []  # comments and layout are not part of a macro's hash

    macro_file.write_text(TEXT_MACROS.replace("|| '!'", "|| '!!'"))
    plan = engine.plan()
    assert plan.items["loud"].status == "changed"
    assert plan.items["loud"].reasons == ["macro shout changed"]
    assert plan.items["loud"].downstream == ["loudest"]
    assert plan.items["quiet"].status == "unchanged"
    result = engine.run()
    assert result.built == ["loud", "loudest"]
    after = fingerprints(con)
    assert after["loud"] != before["loud"] and after["quiet"] == before["quiet"]
    assert con.execute("SELECT loud FROM loud WHERE id = 2").fetchone() == ("C!!",)

    # a macro reached only through another macro counts too
    macro_file.write_text(TEXT_MACROS.replace("nullif(trim(s), '')", "nullif(ltrim(s), '')")
                          .replace("|| '!'", "|| '!!'"))
    assert engine.plan().items["loud"].reasons == ["macro tidy changed"]
    assert engine.run().built == ["loud", "loudest"]
    assert con.execute("SELECT loud FROM loud WHERE id = 1").fetchone() == ("AB !!",)

    # reverting the file finds the first version again: a pointer swap, no rebuild
    macro_file.write_text(TEXT_MACROS)
    result = engine.run()
    assert result.built == [] and result.swapped == ["loud", "loudest"]
    assert fingerprints(con) == before


def test_removed_macro_is_dropped_from_the_connection(project) -> None:
    engine, con, sql = project
    engine.run()
    (sql / "loud.sql").write_text("SELECT id FROM raw_items\n")
    (sql / "macros" / "text.sql").unlink()
    engine.run()
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT shout('x')")


def test_view_transforms_may_not_call_macros(project) -> None:
    engine, _, sql = project
    (sql / "loud.sql").write_text("-- kind: view\n" + LOUD)
    with pytest.raises(TransformError, match=r"loud .*is a view but calls macro shout, tidy"):
        engine.plan()


@pytest.mark.parametrize("text, message", [
    ("SELECT 1;", "statement 1 is not a CREATE MACRO statement"),
    ("CREATE MACRO ok(a) AS a;\nCREATE TABLE t AS SELECT 1;",
     "statement 2 is not a CREATE MACRO statement"),
    ("CREATE MACRO broken(a AS (((", "macro file does not parse"),
    ("-- only a comment\n", "holds no CREATE MACRO statement"),
    ("CREATE MACRO rows_of(x) AS TABLE SELECT * FROM raw_items WHERE id = x;",
     "rows_of is a table macro"),
    ("CREATE MACRO n_items() AS (SELECT count(*) FROM raw_items);",
     "macro n_items reads raw_items"),
    ("CREATE MACRO seeds() AS (SELECT count(*) FROM read_csv('x.csv'));", "macro seeds reads"),
    ("CREATE MACRO upper(s) AS s;", "is a function sqlglot already knows"),
    ("CREATE MACRO main.qualified(s) AS s;", "plain, unqualified"),
    ("CREATE MACRO me(s) AS me(s);", "macro me calls itself"),
])
def test_malformed_macro_files_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "bad_macros.sql").write_text(text)
    with pytest.raises(TransformError, match="bad_macros.sql") as info:
        load_macros(tmp_path)
    assert message in str(info.value)


def test_macro_errors_found_at_creation_name_the_file(tmp_path: Path) -> None:
    macros = tmp_path / "macros"
    macros.mkdir()
    (macros / "a.sql").write_text("CREATE MACRO ping(a) AS pong(a);\n"
                                  "CREATE MACRO pong(a) AS ping(a);\n")
    with pytest.raises(TransformError, match="cycle: ping, pong"):
        load_macros(tmp_path)
    (macros / "a.sql").write_text("CREATE MACRO list_reduce(a, b) AS a;\n")
    con = duckdb.connect()
    with pytest.raises(TransformError, match=r"a.sql: macro list_reduce .*DuckDB built-in"):
        install(con, load_macros(tmp_path))
    (macros / "a.sql").write_text("CREATE MACRO oops(a) AS no_such_function(a);\n")
    with pytest.raises(TransformError, match=r"a.sql: macro oops cannot be created"):
        install(con, load_macros(tmp_path))
    (macros / "a.sql").write_text("CREATE MACRO twice(a) AS a;\n")
    (macros / "b.sql").write_text("CREATE MACRO twice(a) AS a + 1;\n")
    with pytest.raises(TransformError, match=r"two macros are named 'twice'.*a.sql.*b.sql"):
        load_macros(tmp_path)


def test_engine_reports_a_malformed_macro_file(project) -> None:
    engine, _, sql = project
    (sql / "macros" / "zz_broken.sql").write_text("SELECT 1;\n")
    with pytest.raises(TransformError, match="zz_broken.sql"):
        engine.run()


@pytest.mark.parametrize("raw, cleaned", [
    (" <b>Steel</b>  &amp; wood &#169; ", "Steel & wood \u00a9"),
    ("Home &amp; Kitchen", "Home & Kitchen"),
    ("&amp;lt;b&amp;gt;", "&lt;b&gt;"),  # decoded once
    ("&amp;#65; only", "&#65; only"),
    ("a<br/>b\n\tc", "a b c"),
    ("x &lt;&quot;y&quot;&gt; &apos;z&apos;&nbsp;", "x <\"y\"> 'z'"),
    ("<p> </p>", None),
    ("   ", None),
    (None, None),
])
def test_shipped_clean_html_text(raw: str | None, cleaned: str | None) -> None:
    con = duckdb.connect()
    install(con, load_macros(SHIPPED_SQL_DIR))
    assert con.execute("SELECT clean_html_text(?)", [raw]).fetchone()[0] == cleaned


def test_shipped_list_json_and_price_macros() -> None:
    con = duckdb.connect()
    install(con, load_macros(SHIPPED_SQL_DIR))
    row = con.execute("""SELECT
        clean_html_list(['<i>a</i>', ' ', NULL, 'b &amp; c']),
        json_string_list('["x", "y"]'::JSON), json_string_list('"x"'::JSON),
        details_entries('{"\\n  Item Weight: \\n": " 3 lb "}'::JSON),
        price_from_numbers(['5.99', '12.99'], '$5.99 - $12.99'),
        price_from_numbers(['1,200'], '$1,200'),
        price_note_from_numbers(['5', '6'], '5 and 6'),
        collapse_whitespace(' a \n b ')""").fetchone()
    assert row == (["a", "b & c"], ["x", "y"], [], [{"key": "item weight", "value": "3 lb"}],
                   9.49, 1200.0, "unparseable", "a b")
