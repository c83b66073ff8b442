"""EMMa SQL transforms end to end on generated data, checked against the generator's hidden
truth: synth (~1,500 objects, images) -> ingest -> transform engine, built once per module.

The embedding stage is stood in for by writing `dedup_candidates` rows for the truth's
near-duplicate groups (as `emma-fs dedup` would) plus below-threshold noise pairs; an exact
duplicate is planted by copying one raw record under a new ASIN."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _emma_sql import sql_dir_copy

pytestmark = pytest.mark.slow

N_OBJECTS = 1500
TARGETS = ["listings", "decisions", "dedup_decisions", "category_nodes", "dataset_coverage",
           "split_counts", "materials_unmatched", "review_texts", "cleaning_report", "stg_measures"]
EXACT_COPY = "B0EXACTCPY"




def plant(con, truth: str) -> str:
    """An exact copy of a clean UCSD-only record under a new ASIN, with its description dropped
    (so the original is the more complete member); embedding candidates for the truth's
    duplicate groups (similarity 0.97) and for unrelated pairs (0.5, below the threshold).
    Returns the copied ASIN."""
    from emma_fs import db

    original = con.execute(f"""
        SELECT t.asin FROM '{truth}' AS t
        JOIN raw_ucsd2018_meta AS r ON r.record ->> '$.asin' = t.asin
        WHERE t.sources = ['ucsd2018'] AND t.junk IS NULL AND NOT t.non_physical
          AND t.piggyback_source IS NULL AND t.mass_kg IS NOT NULL
          AND len(t.image_ids) > 1 AND len(r.record ->> '$.description') > 2
          AND r.record ->> '$.price' LIKE '$%' AND r.record ->> '$.price' NOT LIKE '%-%'
          AND t.duplicate_group NOT IN (SELECT duplicate_group FROM '{truth}'
                                        GROUP BY 1 HAVING count(*) > 1)
        ORDER BY t.asin LIMIT 1""").fetchone()[0]
    con.execute(f"""
        INSERT INTO raw_ucsd2018_meta
        SELECT 'planted.json', 1,
               json_merge_patch(record, json_object('asin', '{EXACT_COPY}', 'description', []))
        FROM raw_ucsd2018_meta WHERE record ->> '$.asin' = ?""", [original])
    con.execute(f"""
        INSERT INTO dedup_candidates
        SELECT a.asin, b.asin, 'text', 0.97, 'test-embeddings'
        FROM '{truth}' AS a JOIN '{truth}' AS b
            ON a.duplicate_group = b.duplicate_group AND a.asin < b.asin
        UNION ALL
        SELECT a.asin, b.asin, 'image', 0.5, 'test-embeddings'
        FROM (SELECT asin, row_number() OVER (ORDER BY asin) AS i FROM '{truth}') AS a
        JOIN (SELECT asin, row_number() OVER (ORDER BY asin) AS i FROM '{truth}') AS b
            ON b.i = a.i + 7 AND a.i % 10 = 0""")
    for table in ("raw_ucsd2018_meta", "dedup_candidates"):
        db.set_source_version(con, table, "planted-" + table)
    return original


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    import duckdb

    from emma_fs import db
    from emma_fs.sources.ingest import ingest
    from emma_fs.sources.synth import generate
    from emma_fs.transforms.engine import Engine

    root: Path = tmp_path_factory.mktemp("emma_sql_pipeline")
    raw = root / "raw"
    generate(raw, N_OBJECTS, seed=0, images="all")
    truth = root / "truth.parquet"
    shutil.move(raw / "truth" / "truth.parquet", truth)   # the pipeline never sees the truth
    con = db.connect(root / "emma.duckdb")
    ingest(con, raw)
    original = plant(con, str(truth))
    Engine(con, sql_dir_copy(root / "sql")).run(names=TARGETS)
    con.execute(f"CREATE VIEW truth AS SELECT * FROM '{truth}'")
    assert isinstance(con, duckdb.DuckDBPyConnection)
    yield con, original
    con.close()


def q(con, sql: str) -> list[tuple]:
    cur = con.cursor()
    try:
        return cur.execute(sql).fetchall()
    finally:
        cur.close()


def test_parsed_mass_within_one_percent_for_every_source_record(run) -> None:
    con, _ = run
    bad = q(con, """
        WITH carried AS (SELECT asin, unnest(mass_sources) AS m FROM truth)
        SELECT c.asin, c.m.source, c.m.kind, c.m.value, c.m.unit, c.m.kg, s.mass_kg,
               s.package_mass_kg
        FROM carried AS c
        LEFT JOIN stg_measures AS s ON s.asin = c.asin AND s.source = c.m.source
        WHERE NOT coalesce(abs(CASE c.m.kind WHEN 'item' THEN s.mass_kg
                                             ELSE s.package_mass_kg END / c.m.kg - 1) <= 0.01,
                           FALSE)""")
    n = q(con, "SELECT count(*) FROM (SELECT unnest(mass_sources) FROM truth)")[0][0]
    assert n > 500 and bad == []


def test_parsed_price_matches_every_source_record(run) -> None:
    con, _ = run
    rows = q(con, """
        WITH carried AS (SELECT asin, unnest(price_sources) AS p FROM truth)
        SELECT count(*),
               count(*) FILTER (WHERE s.price_usd BETWEEN c.p.usd_low - 0.005
                                                      AND c.p.usd_high + 0.005),
               count(*) FILTER (WHERE c.p.usd_low IS NULL AND s.price_usd IS NULL
                                AND s.price_note IN ('empty', 'unparseable')),
               count(*) FILTER (WHERE c.p.usd_low IS NOT NULL)
        FROM carried AS c JOIN stg_sources AS s ON s.asin = c.asin AND s.source = c.p.source""")
    total, in_range, null_with_reason, with_price = rows[0]
    assert with_price > 300 and in_range == with_price and in_range + null_with_reason == total


def test_piggybacks_detected(run) -> None:
    con, _ = run
    tp, fp, fn = q(con, """
        SELECT count(*) FILTER (WHERE t.piggyback_source IS NOT NULL AND d.asin IS NOT NULL),
               count(*) FILTER (WHERE t.piggyback_source IS NULL AND d.asin IS NOT NULL),
               count(*) FILTER (WHERE t.piggyback_source IS NOT NULL AND d.asin IS NULL)
        FROM truth AS t
        LEFT JOIN (SELECT asin FROM decisions WHERE rule = 'piggyback') AS d USING (asin)""")[0]
    assert tp >= 5
    assert tp / (tp + fn) >= 0.9 and tp / (tp + fp) >= 0.9
    ev = q(con, "SELECT evidence FROM decisions WHERE rule = 'piggyback' LIMIT 1")[0][0]
    assert "Jaccard" in ev and "suspect source" in ev


def test_junk_and_non_physical_dropped_with_the_right_reason(run) -> None:
    con, _ = run
    junk = q(con, """
        SELECT t.asin, t.junk, list(d.rule) FROM truth AS t LEFT JOIN decisions AS d USING (asin)
        WHERE t.junk IS NOT NULL GROUP BY ALL""")
    assert len(junk) >= 10
    assert all(kind in rules for _, kind, rules in junk)
    non_physical = q(con, """
        SELECT t.asin, t.title IS NOT NULL AND t.junk IS NULL, list(d.rule)
        FROM truth AS t LEFT JOIN decisions AS d USING (asin)
        WHERE t.non_physical AND t.piggyback_source IS NULL GROUP BY ALL""")
    assert len(non_physical) >= 5
    for _, has_title, rules in non_physical:
        assert rules != [None]                        # dropped
        assert not has_title or "non_physical" in rules
    wrongly = q(con, """
        SELECT count(*) FROM decisions AS d JOIN truth AS t USING (asin)
        WHERE d.rule = 'non_physical' AND NOT t.non_physical AND t.piggyback_source IS NULL""")
    assert wrongly == [(0,)]


def test_every_raw_asin_is_listed_or_decided(run) -> None:
    con, _ = run
    missing, both, listed, dropped = q(con, """
        WITH raw AS (
            SELECT record ->> '$.asin' AS asin FROM raw_ucsd2018_meta
            UNION SELECT coalesce(record ->> '$.parent_asin', record ->> '$.asin')
                  FROM raw_amazon2023_meta
            UNION SELECT record ->> '$.asin' FROM raw_spapi_items
            UNION SELECT asin FROM raw_image2mass
        ),
        listed AS (SELECT asin FROM listings),
        dropped AS (SELECT DISTINCT asin FROM decisions)
        SELECT
            (SELECT count(*) FROM raw WHERE asin NOT IN (SELECT asin FROM listed)
                                        AND asin NOT IN (SELECT asin FROM dropped)),
            (SELECT count(*) FROM listed WHERE asin IN (SELECT asin FROM dropped)),
            (SELECT count(*) FROM listed), (SELECT count(*) FROM dropped)""")[0]
    n_raw = q(con, "SELECT count(*) FROM truth")[0][0] + 1   # + the planted copy
    assert missing == 0 and both == 0 and listed + dropped == n_raw
    # the engine substituted @fingerprint with the decisions transform's own fingerprint
    fps = q(con, "SELECT DISTINCT transform_fingerprint FROM decisions")
    current = q(con, "SELECT fingerprint FROM _emma_transforms WHERE name = 'decisions'")
    assert len(fps) == 1 and fps == current


def test_duplicates_clustered_most_complete_kept(run) -> None:
    con, original = run
    # the exact copy (same title, price, mass and images; no description) joins the original
    r = q(con, f"SELECT asin, kept_asin, decision, modality FROM dedup_decisions "
               f"WHERE '{EXACT_COPY}' IN (asin, kept_asin) OR asin = '{original}' ORDER BY asin")
    assert {(a, k, d) for a, k, d, _ in r} == {(EXACT_COPY, original, "drop"),
                                               (original, original, "keep")}
    # every truth duplicate group that survived filtering is one cluster
    split_groups = q(con, """
        SELECT t.duplicate_group FROM dedup_clusters AS c JOIN truth AS t USING (asin)
        GROUP BY 1 HAVING count(DISTINCT c.cluster) > 1""")
    assert split_groups == []
    merged_groups = q(con, """
        SELECT c.cluster FROM dedup_clusters AS c JOIN truth AS t USING (asin)
        WHERE c.asin <> 'B0EXACTCPY'
        GROUP BY 1 HAVING count(DISTINCT t.duplicate_group) > 1""")
    assert len(merged_groups) <= 3   # same-title pairs of different products are rare
    not_most_complete = q(con, """
        SELECT cluster FROM dedup_clusters GROUP BY cluster
        HAVING max(completeness) <> max(completeness) FILTER (WHERE is_kept)""")
    assert not_most_complete == []
    n_groups = q(con, "SELECT count(*) FROM dedup_decisions WHERE decision = 'keep'")[0][0]
    assert n_groups > 50
    assert q(con, "SELECT count(*) FROM dedup_pairs WHERE similarity < 0.9") == [(0,)]


def test_split_rules(run) -> None:
    con, _ = run
    counts = dict(q(con, "SELECT split, listings FROM split_counts"))
    assert set(counts) == {"train", "validation", "test", "calibration"}
    assert min(counts["validation"], counts["test"], counts["calibration"]) >= 24
    incomplete = q(con, """
        SELECT count(*) FROM listings WHERE split IN ('validation', 'test')
          AND NOT (price_usd IS NOT NULL AND mass_kg IS NOT NULL AND len(materials) > 0
                   AND len(category_path) > 0 AND n_reviews > 1 AND n_images > 1)""")
    assert incomplete == [(0,)]
    straddling = q(con, """
        SELECT t.duplicate_group FROM listings AS l JOIN truth AS t USING (asin)
        GROUP BY 1
        HAVING count(*) FILTER (WHERE l.split = 'train') > 0
           AND count(*) FILTER (WHERE l.split IN ('validation', 'test')) > 0""")
    assert straddling == []
    near = q(con, """
        SELECT count(*)
        FROM dedup_candidates AS c
        JOIN listings AS a ON a.asin = c.asin_a JOIN listings AS b ON b.asin = c.asin_b
        WHERE c.similarity >= 0.8 AND 'validation' IN (a.split, b.split)""")
    assert near == [(0,)]


def test_materials_taxonomy_ancestors_implied_and_mostly_right(run) -> None:
    con, _ = run
    missing_ancestor = q(con, """
        SELECT l.asin, m.node, a.ancestor
        FROM (SELECT asin, unnest(materials) AS node FROM listings) AS m
        JOIN listings AS l USING (asin)
        JOIN material_ancestors AS a ON a.node = m.node
        JOIN material_taxonomy AS t ON t.node = a.ancestor
        WHERE t.parent IS NOT NULL AND NOT list_contains(l.materials, a.ancestor)""")
    assert missing_ancestor == []
    n, ours_true = q(con, """
        WITH closure AS (
            SELECT t.asin, list(DISTINCT a.ancestor) AS nodes
            FROM (SELECT asin, unnest(materials) AS node FROM truth) AS t
            JOIN material_ancestors AS a USING (node) GROUP BY t.asin)
        SELECT count(*), count(*) FILTER (WHERE list_has_all(c.nodes, l.materials))
        FROM listings AS l JOIN closure AS c USING (asin) WHERE len(l.materials) > 0""")[0]
    assert n > 200 and ours_true / n >= 0.85


def test_categories_images_and_coverage(run) -> None:
    con, _ = run
    # images were written for every listing: each image id resolves to a local file
    assert q(con, "SELECT count(*) FROM listings WHERE len(image_paths) <> n_images") == [(0,)]
    n, prefix = q(con, """
        SELECT count(*), count(*) FILTER (WHERE t.category_path[1:len(l.category_path)]
                                                = l.category_path)
        FROM listings AS l JOIN truth AS t USING (asin) WHERE len(l.category_path) > 0""")[0]
    assert n > 500 and prefix == n
    assert q(con, "SELECT max(depth) <= 6, count(*) FILTER (WHERE depth = 1) "
                  "= count(DISTINCT name) FILTER (WHERE depth = 1) FROM category_nodes") \
        == [(True, True)]
    mass, price, materials, category = q(con, "SELECT mass, price, materials, category "
                                              "FROM dataset_coverage")[0]
    assert 0.5 < mass < 0.95 and 0.4 < price < 0.9 and 0.1 < materials < 0.6 \
        and 0.4 < category < 0.9


def test_review_counts_and_distributions(run) -> None:
    con, _ = run
    n, same_count, sums_to_one = q(con, """
        SELECT count(*), count(*) FILTER (WHERE l.n_reviews = t.n_reviews),
               count(*) FILTER (WHERE abs(list_sum(l.rating_dist) - 1) < 1e-9)
        FROM listings AS l JOIN truth AS t USING (asin) WHERE l.n_reviews > 0""")[0]
    assert n > 300 and same_count == n and sums_to_one == n
    texts = q(con, "SELECT count(*), count(DISTINCT asin) FROM review_texts")[0]
    assert texts[0] > texts[1] > 300
