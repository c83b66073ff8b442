"""The synthetic catalogue is realistically hard: paper-like coverage after a join on ASIN,
property prevalences of 3-40% with keyword signal that is useful but not sufficient,
near-duplicates, piggy-backed and non-physical listings, junk, messy seller material strings,
mass tied to category and ratings that drive review stars and sentiment."""

from __future__ import annotations

import gzip
import json
import math
from collections import defaultdict

import numpy as np
import pyarrow.parquet as pq
import pytest

from emma_fs.sources.synth import categories, generate
from emma_fs.sources.synth.text import KEYWORDS, PROPERTIES, TRAPS
from emma_fs.taxonomy import materials as taxonomy


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "raw"
    generate(out, 3000, seed=11, images="none")
    return out, pq.read_table(out / "truth" / "truth.parquet").to_pylist()


def _share(rows, pred) -> float:
    return sum(1 for r in rows if pred(r)) / len(rows)


def test_coverage_after_join_is_close_to_the_paper(data):
    _, truth = data
    mass = _share(truth, lambda t: any(m["kind"] == "item" for m in t["mass_sources"]))
    price = _share(truth, lambda t: any(p["usd_low"] is not None for p in t["price_sources"]))
    mats = _share(truth, lambda t: any(taxonomy.match(r["text"]) for r in t["materials_raw"]))
    cat = _share(truth, lambda t: bool(t["category_sources"]))
    assert abs(mass - 0.77) < 0.08, mass
    assert abs(price - 0.69) < 0.08, price
    assert abs(mats - 0.30) < 0.08, mats
    assert abs(cat - 0.70) < 0.08, cat
    assert all(1 <= len(t["sources"]) <= 4 for t in truth)
    assert _share(truth, lambda t: len(t["sources"]) >= 2) > 0.3


def test_property_prevalence_and_keywords_are_useful_but_not_enough(data):
    _, truth = data
    physical = [t for t in truth if not t["non_physical"]]
    for p, kws in zip(PROPERTIES, KEYWORDS, strict=True):
        prevalence = _share(physical, lambda t, p=p: t[p])
        assert 0.03 <= prevalence <= 0.40, (p, prevalence)
        has_kw = [any(k.lower() in t["title"].lower() for k in kws) for t in physical]
        pos = [t[p] for t in physical]
        tp = sum(k and y for k, y in zip(has_kw, pos, strict=True))
        recall = tp / sum(pos)
        precision = tp / max(1, sum(has_kw))
        assert recall < 0.8, (p, recall)  # titles alone miss many positives
        assert precision > 2 * prevalence, (p, precision, prevalence)  # but carry signal


def test_near_duplicates_piggybacks_non_physical_and_junk(data):
    _, truth = data
    dup = _share(truth, lambda t: not t["is_canonical"])
    assert 0.06 < dup < 0.14
    groups = defaultdict(list)
    for t in truth:
        groups[t["duplicate_group"]].append(t)
    for rows in groups.values():
        assert sum(r["is_canonical"] for r in rows) == 1
        if len(rows) > 1:
            assert len({r["asin"] for r in rows}) == len(rows)
            assert len({json.dumps(r["category_path"]) for r in rows}) == 1
    piggy = [t for t in truth if t["piggyback_source"]]
    assert 0.003 < len(piggy) / len(truth) < 0.025
    for t in piggy:
        assert t["piggyback_source"] in t["sources"] and len(t["sources"]) >= 2
        assert t["piggyback_object_id"] != t["object_id"]
    nonphys = [t for t in truth if t["non_physical"]]
    assert nonphys and all(t["mass_kg"] is None and "image2mass" not in t["sources"]
                           for t in nonphys)
    words = ("download", "egift", "gift card", "online code", "subscription", "digital",
             "email delivery", "mp3")
    assert all(any(w in t["title"].lower() for w in words) for t in nonphys)
    for kind in ("no_title", "no_image"):
        assert 0.003 < _share(truth, lambda t, k=kind: t["junk"] == k) < 0.025


def test_seller_material_strings_are_messy_but_mostly_mappable(data):
    _, truth = data
    raw = [(r["text"], t["materials"]) for t in truth for r in t["materials_raw"]
           if t["piggyback_source"] != r["source"]]
    assert any("%" in s for s, _ in raw) and any("/" in s for s, _ in raw)
    consistent = unmapped = 0
    for text, true_nodes in raw:
        hits = taxonomy.match(text)
        if not hits:
            unmapped += 1
            continue
        implied = {a for n in true_nodes for a in [n, *taxonomy.ancestors(n)]}
        consistent += all(h in implied for h in hits)
    assert 0.02 < unmapped / len(raw) < 0.2  # junk strings ("Imported") and typos
    assert consistent / (len(raw) - unmapped) > 0.9


def test_units_and_prices_vary_across_sources(data):
    _, truth = data
    units = {m["unit"] for t in truth for m in t["mass_sources"]}
    assert {"ounces", "pounds", "grams", "kilograms"} <= units and len(units) >= 8
    spread = [max(p["usd_low"] for p in ps) / min(p["usd_low"] for p in ps)
              for t in truth
              if len(ps := [p for p in t["price_sources"] if p["usd_low"]]) >= 2]
    assert spread and sum(s > 1.3 for s in spread) > 0  # conflicting prices exist


def test_mass_and_price_depend_on_category(data):
    _, truth = data
    rows = [t for t in truth if t["mass_kg"] and t["is_canonical"]]
    by_type = defaultdict(list)
    for t in rows:
        by_type[t["product_type"]].append(math.log(t["mass_kg"]))
    all_logs = np.array([v for vs in by_type.values() for v in vs])
    within = sum(((np.array(vs) - np.mean(vs)) ** 2).sum() for vs in by_type.values())
    r2 = 1 - within / ((all_logs - all_logs.mean()) ** 2).sum()
    assert 0.4 < r2 < 0.97, r2  # category explains much of log-mass, not all
    prices = np.log([t["price_usd"] for t in rows])
    assert prices.std() > 0.8


def test_review_stars_follow_the_rating_distribution(data):
    out, truth = data
    stars = defaultdict(list)
    texts = defaultdict(list)
    for p in (out / "ucsd2018").glob("reviews_*.json.gz"):
        with gzip.open(p, "rt") as f:
            for line in f:
                r = json.loads(line)
                stars[r["asin"]].append(r["overall"])
                texts[int(r["overall"])].append(r["reviewText"])
    means, observed = [], []
    for t in truth:
        if len(stars[t["asin"]]) >= 5:
            means.append(float(np.dot(t["rating_dist"], [1, 2, 3, 4, 5])))
            observed.append(float(np.mean(stars[t["asin"]])))
    assert np.corrcoef(means, observed)[0, 1] > 0.5
    assert not any("Love" in x or "Excellent" in x for x in texts[1])
    assert not any("Terrible" in x or "waste" in x.lower() for x in texts[5])
    assert _share(truth, lambda t: t["n_reviews"] > 0) > 0.4


def test_category_tree_grows_to_thousands_of_nodes_depth_six():
    small = categories.build(0, 2000)
    big = categories.build(0, 1_000_000)
    assert len(big.names) > 2000 > len(small.names)
    depths = [len(big.path(int(n))) for n in big.leaves]
    assert max(depths) == categories.MAX_DEPTH
    assert big.path(int(big.leaves[0]))[0] in {"Home & Kitchen", "Clothing, Shoes & Jewelry",
                                               "Electronics"} | {n for n, p in zip(
                                                   big.names, big.parents, strict=True) if p < 0}


def test_trap_phrases_name_a_keyword_on_products_without_the_property(data):
    _, truth = data
    physical = [t for t in truth if not t["non_physical"]]
    for p, traps in zip(PROPERTIES, TRAPS, strict=True):
        trapped = [t for t in physical if any(w in t["title"] for w in traps)]
        assert all(not t[p] for t in trapped), p  # a trap only ever sits on a negative
    for p in ("deformable", "electronic"):  # the common confusers show up often enough
        k = PROPERTIES.index(p)
        negatives = [t for t in physical if not t[p]]
        share = _share(negatives, lambda t, k=k: any(w in t["title"] for w in TRAPS[k]))
        assert share > 0.02, (p, share)
