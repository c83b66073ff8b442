"""EMMa SQL transforms on hand-written raw records (docs/contracts.md section 1-2 shapes):
per-source cleaning, unit conversion, the join's precedence rules, materials, filtering,
dedup bookkeeping and the decisions table. Fast: a few dozen records, real DuckDB + engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _emma_sql import sql_dir_copy

U = "https://images-na.ssl-images-amazon.com/images/I/"
TARGETS = ["listings", "decisions", "dedup_decisions", "category_nodes", "dataset_coverage",
           "split_counts", "materials_unmatched", "review_texts", "cleaning_report", "stg_measures"]

# the transform files of the EMMa data work (sql/*.sql owned by this stage)

UCSD = [
    {"asin": "A1", "title": "Stainless Steel Chef Knife 8 inch",
     "feature": ["Sharp <b>blade</b>", "Full tang"],
     "description": ["A great knife &amp; more &#169;"],
     "price": "$12.99", "brand": "Acme",
     "category": ["Home &amp; Kitchen", "Kitchen &amp; Dining", "Cutlery", "Chef Knives"],
     "details": {"\n    Product Dimensions: \n    ": "13 x 2 x 1 inches ; 4 ounces",
                 "Shipping Weight:": "6.4 ounces ("},
     "image": [U + "a1x._SS40_.jpg", U + "a1y.jpg"]},
    {"asin": "A2", "title": "Cotton Throw Pillow Cover", "price": "$5.99 - $12.99",
     "category": ["Home &amp; Kitchen", "Bedding", "Pillows"], "details": {},
     "tech1": '<table><tr><td class="a-span3">Item Weight</td><td class="a-span9">1.2 Pounds</td>'
              '</tr><tr><td class="a-span3">Material</td><td class="a-span9">100% Cotton, Polyester'
              '</td></tr></table>',
     "imageURL": [U + "a2a._SS40_.jpg"], "imageURLHighRes": [U + "a2a.jpg", U + "a2b.jpg"]},
    {"asin": "A3", "title": "", "price": ".a-box-inner{background-color:#fff}",
     "category": ["Toys"], "details": {"Item Weight:": "200 g"}, "image": [U + "a3.jpg"]},
    {"asin": "A4", "title": "Microsoft Office 2019 [PC Download]", "price": "$99.00",
     "category": ["Software"], "image": [U + "a4.jpg"], "details": {}},
    {"asin": "A5", "title": "Wooden Toy Train Set", "price": "",
     "details": {"Item Weight:": "3 lbs"},
     "category": ["Toys &amp; Games", "Trains"], "image": []},
    {"asin": "A6", "title": "Glass Water Bottle 500ml", "price": "$9.50", "category": ["Sports"],
     "details": {"Item Weight:": "12 oz"}, "image": [U + "a6.jpg"]},
    {"asin": "A7", "title": "Glass  water bottle 500ml ", "price": "$9.00", "category": ["Sports"],
     "details": {"Item Weight:": "0.34 kg", "Material:": "glass"},
     "image": [U + "a7.jpg", U + "a7b.jpg"]},
    {"asin": "P1", "title": "Ceramic Coffee Mug Blue 12oz", "price": "$7.00",
     "category": ["Home &amp; Kitchen", "Mugs"], "details": {"Item Weight:": "12 oz"},
     "image": [U + "p1.jpg"]},
    {"asin": "W1", "title": "Mystery box", "price": "$3", "details": {"Item Weight:": "3 stone"},
     "image": [U + "w1.jpg"]},
]
A2023 = [
    {"parent_asin": "A1", "title": "Acme Stainless Steel Chef Knife, 8 inch",
     "features": ["Sharp blade"], "description": ["Forged"], "price": 14.0,
     "images": [{"thumb": U + "a1x._SS40_.jpg", "large": U + "a1x.jpg", "hi_res": None}],
     "categories": ["Home & Kitchen", "Kitchen & Dining", "Cutlery"],
     "details": json.dumps({"Item Weight": "4 ounces", "Material": "Stainless Steel"})},
    {"parent_asin": "P1", "title": "Kids Silicone Teething Toy Giraffe", "price": 11.0,
     "images": [{"large": U + "p1b.jpg"}], "categories": ["Baby"],
     "details": {"Material": "Silicone"}},
    {"parent_asin": "B1", "title": "Amazon eGift Card - Birthday", "price": 25.0,
     "images": [{"large": U + "b1.jpg"}], "categories": ["Gift Cards"], "details": "{not json"},
]
SPAPI = [
    {"asin": "A1", "attributes": {
        "item_name": [{"value": "Acme Stainless Steel Chef Knife 8 Inch", "marketplace_id": "M"}],
        "item_weight": [{"value": 0.25, "unit": "pounds", "marketplace_id": "M"}],
        "item_package_weight": [{"value": 200, "unit": "grams", "marketplace_id": "M"}],
        "item_dimensions": [{"length": {"unit": "inches", "value": 13},
                             "width": {"unit": "inches", "value": 2},
                             "height": {"unit": "centimeters", "value": 2.54},
                             "marketplace_id": "M"}],
        "list_price": [{"currency": "USD", "value": 13.5, "marketplace_id": "M"}],
        "material": [{"value": "SS304", "language_tag": "en_US", "marketplace_id": "M"}]},
     "productTypes": [{"marketplaceId": "M", "productType": "KITCHEN_KNIFE"}],
     "classifications": [{"marketplaceId": "M", "classifications": [{
         "displayName": "Chef Knives", "classificationId": "3", "parent": {
             "displayName": "Cutlery", "classificationId": "2", "parent": {
                 "displayName": "Kitchen & Dining", "classificationId": "1", "parent": {
                     "displayName": "Home & Kitchen", "classificationId": "0"}}}}]}],
     "images": [{"marketplaceId": "M", "images": [{"variant": "MAIN", "link": U + "a1z.jpg"}]}],
     "summaries": [{"marketplaceId": "M", "brand": "Acme"}]},
    {"asin": "S2", "attributes": {
        "item_weight": [{"value": 2, "unit": "kilograms", "marketplace_id": "M"}],
        "material": [{"value": "Polyester/Spandex", "marketplace_id": "M"},
                     {"value": "Acrylic", "marketplace_id": "M"},
                     {"value": "unobtainium", "marketplace_id": "M"}],
        "list_price": [{"currency": "EUR", "value": 10, "marketplace_id": "M"}]},
     "productTypes": [{"marketplaceId": "M", "productType": "PILLOW"}],
     "images": [{"marketplaceId": "M", "images": [{"variant": "MAIN", "link": U + "s2.jpg"}]}],
     "summaries": [{"marketplaceId": "M", "brand": "Zed", "itemName": "Zed Plush Body Pillow"}]},
]
I2M = [("A2", "Cotton Throw Pillow Cover", "1.21", "18", "18", "2", U + "a2a.jpg"),
       ("I1", "Bamboo Cutting Board", "2.5", "15", "10", "0.75", U + "i1.jpg")]
UCSD_REVIEWS = [
    {"asin": "A1", "overall": 5.0, "reviewText": "Great knife", "summary": "Love it"},
    {"asin": "A1", "overall": 4.0, "reviewText": "Good", "summary": "ok"},
    {"asin": "A1", "overall": 7.0, "reviewText": "out of range rating", "summary": "x"},
    {"asin": "A2", "overall": 1.0, "reviewText": "Bad", "summary": "no"},
]
A2023_REVIEWS = [
    {"rating": 3.0, "title": "meh", "text": "Average knife", "asin": "A1X", "parent_asin": "A1"},
    # the same review as in the UCSD dump: counted once
    {"rating": 5.0, "title": "Love it", "text": "Great knife", "asin": "A1X", "parent_asin": "A1"},
]
IMAGES = [("a6", "images/a6.jpg", "same-bytes"), ("a7", "images/a7.jpg", "same-bytes"),
          ("a1y", "images/a1y.jpg", "h2")]




def load_raw(con, *, mismatch: list[tuple[str, float]] = ()) -> None:
    """Create the raw tables of contracts.md section 2 and fill them with the records above."""
    from emma_fs import db

    db.bootstrap(con)
    for name, recs in [("raw_ucsd2018_meta", UCSD), ("raw_amazon2023_meta", A2023),
                       ("raw_spapi_items", SPAPI), ("raw_ucsd2018_reviews", UCSD_REVIEWS),
                       ("raw_amazon2023_reviews", A2023_REVIEWS)]:
        con.execute(f"CREATE TABLE {name} (source_file VARCHAR, line_no BIGINT, record JSON)")
        con.executemany(f"INSERT INTO {name} VALUES ('f.json', ?, ?)",
                        [[i + 1, json.dumps(r)] for i, r in enumerate(recs)])
    con.execute("CREATE TABLE raw_image2mass (asin VARCHAR, title VARCHAR, weight_lb VARCHAR, "
                "length_in VARCHAR, width_in VARCHAR, height_in VARCHAR, image_url VARCHAR, "
                "source_file VARCHAR, line_no BIGINT)")
    con.executemany("INSERT INTO raw_image2mass VALUES (?, ?, ?, ?, ?, ?, ?, 'i.csv', ?)",
                    [[*r, i + 1] for i, r in enumerate(I2M)])
    con.execute("CREATE TABLE raw_images (image_id VARCHAR, path VARCHAR, sha256 VARCHAR, "
                "bytes BIGINT)")
    con.executemany("INSERT INTO raw_images VALUES (?, ?, ?, 10)", [list(r) for r in IMAGES])
    if mismatch:
        con.executemany("INSERT INTO text_image_mismatch VALUES (?, ?, 'v1')",
                        [list(m) for m in mismatch])
    for t in ["raw_ucsd2018_meta", "raw_amazon2023_meta", "raw_spapi_items", "raw_image2mass",
              "raw_ucsd2018_reviews", "raw_amazon2023_reviews", "raw_images",
              "dedup_candidates", "text_image_mismatch"]:
        db.set_source_version(con, t, "v1")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    import duckdb

    from emma_fs.transforms.engine import Engine

    root: Path = tmp_path_factory.mktemp("emma_sql_toy")
    con = duckdb.connect(str(root / "emma.duckdb"))
    load_raw(con, mismatch=[("P1", 0.5), ("I1", 9.0)])
    Engine(con, sql_dir_copy(root / "sql")).run(names=TARGETS)
    yield con
    con.close()


def one(con, sql: str, params: list | None = None):
    cur = con.cursor()
    row = cur.execute(sql, params or []).fetchone()
    cur.close()
    return row


def rows(con, sql: str, params: list | None = None) -> list[tuple]:
    cur = con.cursor()
    out = cur.execute(sql, params or []).fetchall()
    cur.close()
    return out


def test_ucsd_prices_texts_and_package_weight(built) -> None:
    a1 = one(built, "SELECT title, features, description, category_path, price_usd, price_note "
                    "FROM stg_ucsd2018_meta WHERE asin = 'A1'")
    assert a1[1] == ["Sharp blade", "Full tang"]            # HTML stripped
    assert a1[2] == ["A great knife & more \u00a9"]          # named + numeric entities decoded
    assert a1[3] == ["Home & Kitchen", "Kitchen & Dining", "Cutlery", "Chef Knives"]
    assert a1[4] == pytest.approx(12.99) and a1[5] == "ok"
    a2 = one(built, "SELECT price_usd, price_note FROM stg_ucsd2018_meta WHERE asin = 'A2'")
    assert a2 == (pytest.approx((5.99 + 12.99) / 2), "range")  # ranges -> midpoint
    assert one(built, "SELECT price_usd, price_note FROM stg_ucsd2018_meta WHERE asin = 'A3'") \
        == (None, "unparseable")
    assert one(built, "SELECT price_usd, price_note FROM stg_ucsd2018_meta WHERE asin = 'A5'") \
        == (None, "empty")
    m = one(built, "SELECT mass_kg, package_mass_kg, length_cm, width_cm, height_cm "
                   "FROM stg_measures WHERE asin = 'A1' AND source = 'ucsd2018'")
    # "13 x 2 x 1 inches ; 4 ounces" is item dims + item weight; "Shipping Weight" is the package
    assert m[0] == pytest.approx(4 * 0.028349523125)
    assert m[1] == pytest.approx(6.4 * 0.028349523125)
    assert m[2:] == (pytest.approx(33.02), pytest.approx(5.08), pytest.approx(2.54))


def test_units_and_unparseable_measures_are_noted(built) -> None:
    got = dict((r[0] + "/" + r[1], r[2:]) for r in rows(
        built, "SELECT asin, source, mass_kg, mass_note FROM stg_measures"))
    assert got["A2/ucsd2018"][0] == pytest.approx(1.2 * 0.45359237)    # tech1 "1.2 Pounds"
    assert got["A2/image2mass"][0] == pytest.approx(1.21 * 0.45359237)
    assert got["A3/ucsd2018"][0] == pytest.approx(0.2)                 # "200 g"
    assert got["A5/ucsd2018"][0] == pytest.approx(3 * 0.45359237)      # "3 lbs"
    assert got["S2/spapi"][0] == pytest.approx(2.0)
    assert got["W1/ucsd2018"] == (None, "unknown unit:stone")
    report = {(r[0], r[1], r[2]): r[3] for r in rows(
        built, "SELECT source, field, note, records FROM cleaning_report")}
    assert report[("ucsd2018", "mass", "unknown unit:stone")] == 1
    assert report[("ucsd2018", "price", "unparseable")] == 1
    assert report[("spapi", "price", "currency:EUR")] == 1


def test_spapi_classifications_reversed_and_foreign_currency_dropped(built) -> None:
    r = one(built, "SELECT category_path, product_type, price_usd FROM stg_spapi_items "
                   "WHERE asin = 'A1'")
    assert r == (["Home & Kitchen", "Kitchen & Dining", "Cutlery", "Chef Knives"],
                 "KITCHEN_KNIFE", pytest.approx(13.5))
    assert one(built, "SELECT price_usd, price_note FROM stg_spapi_items WHERE asin = 'S2'") \
        == (None, "currency:EUR")


def test_join_precedence_median_price_images_reviews(built) -> None:
    r = one(built, "SELECT title, price_usd, mass_kg, package_mass_kg, image_ids, sources, "
                   "rating_dist, n_reviews FROM listings WHERE asin = 'A1'")
    assert r[0] == "Acme Stainless Steel Chef Knife 8 Inch"          # SP-API title first
    assert r[1] == pytest.approx(13.5)                               # median of 12.99, 13.5, 14
    assert r[2] == pytest.approx(0.25 * 0.45359237)                  # SP-API mass first
    assert r[3] == pytest.approx(0.2)                                # SP-API package weight
    assert sorted(r[4]) == ["a1x", "a1y", "a1z"]                     # union, size variants merged
    assert r[5] == ["amazon2023", "spapi", "ucsd2018"]
    assert r[6] == pytest.approx([0, 0, 1 / 3, 1 / 3, 1 / 3])        # bad rating dropped, dup once
    assert r[7] == 3


def test_materials_split_and_ancestors_implied(built) -> None:
    got = dict(rows(built, "SELECT asin, materials FROM listings_joined"))
    assert {"cotton", "polyester", "fabric"} <= set(got["A2"])       # "100% Cotton, Polyester"
    assert {"polyester", "spandex", "acrylic", "thermoplastic", "plastic"} <= set(got["S2"])
    assert {"stainless_steel", "steel", "metal"} <= set(got["A1"])   # SS304 + Stainless Steel
    parent = {n: p for n, p in rows(built, "SELECT node, parent FROM material_taxonomy")}
    for nodes in got.values():
        for node in nodes:   # every ancestor (below the synthetic root) is present
            p = parent[node]
            assert p is None or parent[p] is None or p in nodes
    unmatched = dict(rows(built, "SELECT part, n_listings FROM materials_unmatched"))
    assert unmatched == {"unobtainium": 1}


def test_filters_record_rules_and_reconcile(built) -> None:
    dec = {(a, r) for a, r in rows(built, "SELECT asin, rule FROM decisions")}
    assert ("A3", "no_title") in dec
    assert ("A5", "no_image") in dec
    assert ("A4", "non_physical") in dec and ("B1", "non_physical") in dec
    assert ("P1", "piggyback") in dec                 # mug vs teething toy under one ASIN
    assert ("I1", "text_image_mismatch") in dec       # score 9 > 3; P1's 0.5 is not a reason
    assert ("W1", "no_mass_materials_category") in dec
    assert ("A6", "duplicate") in dec or ("A7", "duplicate") in dec
    raw = {a for (a,) in rows(built, "SELECT asin FROM stg_sources")}
    listed = {a for (a,) in rows(built, "SELECT asin FROM listings")}
    dropped = {a for a, _ in dec}
    assert listed | dropped == raw and not listed & dropped
    fps = {f for (f,) in rows(built, "SELECT DISTINCT transform_fingerprint FROM decisions")}
    assert len(fps) == 1 and "fingerprint" not in next(iter(fps))


def test_exact_duplicates_keep_most_complete(built) -> None:
    # A6 and A7: same normalised title and same image bytes; A7 has materials and two images
    r = rows(built, "SELECT asin, kept_asin, decision, modality FROM dedup_decisions ORDER BY asin")
    assert [(a, k, d) for a, k, d, _ in r] == [("A6", "A7", "drop"), ("A7", "A7", "keep")]
    assert one(built, "SELECT duplicate_cluster FROM listings WHERE asin = 'A7'") == ("A6",)


def test_category_nodes_tree(built) -> None:
    nodes = {r[0]: r[1:]
             for r in rows(built, "SELECT id, parent, depth, count FROM category_nodes")}
    assert nodes["Home & Kitchen > Kitchen & Dining > Cutlery > Chef Knives"] == (
        "Home & Kitchen > Kitchen & Dining > Cutlery", 4, 1)
    assert nodes["Home & Kitchen"][1:] == (1, 2)   # A1 and A2 below it
    assert all(p is None or p in nodes for p, _, _ in nodes.values())


def test_listings_columns_match_contract(built) -> None:
    cols = [r[0] for r in rows(built, "DESCRIBE listings")]
    assert cols == ["asin", "title", "listing_text", "brand", "product_type", "category_path",
                    "price_usd", "mass_kg", "package_mass_kg", "length_cm", "width_cm",
                    "height_cm", "materials", "materials_raw", "rating_dist", "n_reviews",
                    "avg_rating", "image_ids", "image_paths", "n_images", "sources",
                    "duplicate_cluster", "split"]
    assert one(built, "SELECT count(*) FROM review_texts WHERE asin = 'A1'") == (3,)
    cov = one(built, "SELECT listings, mass FROM dataset_coverage")
    assert cov[0] == one(built, "SELECT count(*) FROM listings")[0] and 0 < cov[1] <= 1
