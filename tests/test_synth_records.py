"""Every record `emma-fs synth` writes follows docs/contracts.md section 1 and says exactly
what the hidden truth says it carried: masses (within 1% after unit conversion), prices,
seller material strings, category paths, images, junk and piggy-backed records."""

from __future__ import annotations

import csv
import gzip
import html
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from emma_fs.sources.synth import generate

UNIT_KG = {"ounces": 0.028349523125, "oz": 0.028349523125, "pounds": 0.45359237,
           "lbs": 0.45359237, "g": 0.001, "grams": 0.001, "kg": 1.0, "kilograms": 1.0}
IMAGE_LIMIT = 60


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "raw"
    summary = generate(out, 700, seed=5, images=str(IMAGE_LIMIT))
    truth = pq.read_table(out / "truth" / "truth.parquet").to_pylist()
    return out, summary, truth, _records(out)


def _jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def _records(out: Path) -> dict[str, dict[str, dict]]:
    recs: dict[str, dict[str, dict]] = {"ucsd2018": {}, "amazon2023": {}, "spapi": {},
                                        "image2mass": {}}
    for p in sorted((out / "ucsd2018").glob("meta_*.json.gz")):
        for r in _jsonl(p):
            r["_file"] = p.name
            recs["ucsd2018"][r["asin"]] = r
    for p in sorted((out / "amazon2023").glob("meta_*.jsonl.gz")):
        for r in _jsonl(p):
            r["_file"] = p.name
            recs["amazon2023"][r["parent_asin"]] = r
    for p in sorted((out / "spapi").glob("*.jsonl.gz")):
        for r in _jsonl(p):
            recs["spapi"][r["asin"]] = r
    for p in sorted((out / "image2mass").glob("*.csv")):
        with open(p, newline="") as f:
            for r in csv.DictReader(f):
                recs["image2mass"][r["asin"]] = r
    return recs


def _kg(text: str) -> float:
    m = re.fullmatch(r"\s*([0-9.]+)\s+([A-Za-z]+)\s*\(?\s*", text)
    assert m, f"unparsable weight {text!r}"
    return float(m.group(1)) * UNIT_KG[m.group(2).lower()]


def _tech_rows(rec: dict) -> dict[str, str]:
    rows = re.findall(r'<td class="a-span3">([^<]*)</td><td class="a-span9">([^<]*)</td>',
                      rec.get("tech1", "") + rec.get("tech2", ""))
    return {k: html.unescape(v) for k, v in rows}


def _weights(source: str, rec: dict) -> dict[str, float]:
    """kind -> kg written by one record (a reference parser, independent of the generator)."""
    out: dict[str, float] = {}
    if source == "ucsd2018":
        details = rec["details"]
        tech = _tech_rows(rec)
        for key, value in details.items():
            k = key.strip().rstrip(":").strip()
            if k == "Product Dimensions" and ";" in value:
                out["item"] = _kg(value.split(";")[1])
            elif k == "Item Weight":
                out["item"] = _kg(value)
            elif k == "Shipping Weight":
                out["package"] = _kg(value)
        if "Item Weight" in tech:
            out["item"] = _kg(tech["Item Weight"])
    elif source == "amazon2023":
        details = rec["details"]
        details = json.loads(details) if isinstance(details, str) else details
        if "Item Weight" in details:
            out["item"] = _kg(details["Item Weight"])
    elif source == "spapi":
        for attr, kind in (("item_weight", "item"), ("item_package_weight", "package")):
            if attr in rec["attributes"]:
                a = rec["attributes"][attr][0]
                out[kind] = a["value"] * UNIT_KG[a["unit"]]
    elif rec["weight_lb"]:
        out["item"] = float(rec["weight_lb"]) * UNIT_KG["pounds"]
    return out


def test_layout_and_summary(data):
    out, summary, truth, recs = data
    assert (out / "truth" / "truth.parquet").is_file()
    assert list((out / "ucsd2018").glob("meta_*.json.gz"))
    assert list((out / "ucsd2018").glob("reviews_*.json.gz"))
    assert list((out / "amazon2023").glob("reviews_*.jsonl.gz"))
    with open(next((out / "image2mass").glob("*.csv"))) as f:
        assert f.readline().strip() == "asin,title,weight_lb,length_in,width_in,height_in,image_url"
    assert summary["objects"] == 700
    assert summary["listings"] == len(truth) == len({t["asin"] for t in truth})
    for source, by_asin in recs.items():
        assert summary[f"{source}_listings"] == len(by_asin)
        assert {t["asin"] for t in truth if source in t["sources"]} == set(by_asin)


def test_ucsd_files_use_both_image_fields_and_entities(data):
    _, _, _, recs = data
    files = {r["_file"]: r for r in recs["ucsd2018"].values()}
    assert any("image" in r and "imageURL" not in r for n, r in files.items() if "_A_" in n)
    assert all("imageURL" in r and "imageURLHighRes" in r for n, r in files.items()
               if "_B_" in n)
    cats = [c for r in recs["ucsd2018"].values() for c in r["category"]]
    assert any("&amp;" in c for c in cats)
    prices = [r["price"] for r in recs["ucsd2018"].values()]
    assert any(re.fullmatch(r"\$[\d,]+\.\d\d", p) for p in prices)
    assert any(re.fullmatch(r"\$[\d,]+\.\d\d - \$[\d,]+\.\d\d", p) for p in prices)
    assert any(p == "" for p in prices) and any(p.lstrip().startswith(".a-") for p in prices)
    assert any(isinstance(r["rank"], list) for r in recs["ucsd2018"].values())
    a2023 = recs["amazon2023"].values()
    assert any(isinstance(r["details"], str) for r in a2023)
    assert any(isinstance(r["details"], dict) for r in a2023)


def test_every_carried_mass_parses_back_within_one_percent(data):
    _, _, truth, recs = data
    checked = 0
    for t in truth:
        expected = {(m["source"], m["kind"]): m["kg"] for m in t["mass_sources"]}
        for source in t["sources"]:
            written = _weights(source, recs[source][t["asin"]])
            got = {(source, k): v for k, v in written.items()}
            want = {k: v for k, v in expected.items() if k[0] == source}
            assert set(got) == set(want), (t["asin"], source, got, want)
            for key, kg in want.items():
                assert got[key] == pytest.approx(kg, rel=0.01)
                checked += 1
    assert checked > 500


def test_true_mass_is_close_to_what_most_sources_say(data):
    """Sellers round and sometimes err grossly; most records are within 10% of the truth."""
    _, _, truth, _ = data
    ratios = [m["kg"] / t["mass_kg"] for t in truth for m in t["mass_sources"]
              if m["kind"] == "item" and t["piggyback_source"] != m["source"]]
    close = sum(0.9 < r < 1.1 for r in ratios) / len(ratios)
    assert 0.9 < close < 1.0


def test_prices_materials_categories_match_truth(data):
    _, _, truth, recs = data
    for t in truth:
        asin = t["asin"]
        for p in t["price_sources"]:
            rec = recs[p["source"]][asin]
            if p["source"] == "ucsd2018":
                assert rec["price"] == p["text"]
            elif p["source"] == "amazon2023":
                assert rec["price"] == pytest.approx(p["usd_low"])
            else:
                assert rec["attributes"]["list_price"][0]["value"] == pytest.approx(p["usd_low"])
        for raw in t["materials_raw"]:
            rec = recs[raw["source"]][asin]
            if raw["source"] == "ucsd2018":
                assert _tech_rows(rec)["Material"] == raw["text"]
            elif raw["source"] == "amazon2023":
                d = rec["details"]
                assert (json.loads(d) if isinstance(d, str) else d)["Material"] == raw["text"]
            else:
                vals = [v["value"] for v in rec["attributes"]["material"]]
                assert ", ".join(vals) == raw["text"]
        for source in t["category_sources"]:
            if t["piggyback_source"] == source:
                continue
            rec = recs[source][asin]
            if source == "ucsd2018":
                path = [html.unescape(c) for c in rec["category"]]
            elif source == "amazon2023":
                path = rec["categories"]
            else:
                node = rec["classifications"][0]["classifications"][0]
                chain = [node["displayName"]]
                while "parent" in node:
                    node = node["parent"]
                    chain.append(node["displayName"])
                path = chain[::-1]
                assert path[-1] == rec["summaries"][0]["browseClassification"]["displayName"]
            assert path and path == t["category_path"][: len(path)], (asin, source, path)


def test_images_files_and_urls(data):
    out, summary, truth, recs = data
    with_files = 0
    for k, t in enumerate(truth):
        for image_id in t["image_ids"]:
            exists = (out / "images" / image_id[:2] / f"{image_id}.jpg").is_file()
            assert exists == (k < IMAGE_LIMIT)
            with_files += exists
        if t["junk"] == "no_image":
            assert t["image_ids"] == []
    assert with_files == summary["images_written"] > 0
    first = next(t["image_ids"][0] for t in truth if t["image_ids"])
    with Image.open(out / "images" / first[:2] / f"{first}.jpg") as im:
        assert im.size == (64, 64) and im.format == "JPEG"
    by_asin = {t["asin"]: t for t in truth}
    canon = {t["object_id"]: t for t in truth if t["is_canonical"]}
    for t in truth:
        rec = recs["spapi"].get(t["asin"])
        if rec is None:
            continue
        links = [i["link"] for i in rec["images"][0]["images"]]
        assert len(links) <= 1  # SP-API carries a single image
        ids = [link.rsplit("/", 1)[1].split(".")[0] for link in links]
        own = (canon[t["piggyback_object_id"]] if t["piggyback_source"] == "spapi"
               else by_asin[t["asin"]])["image_ids"]
        assert ids == own[:1]


def test_junk_and_piggybacked_records(data):
    _, _, truth, recs = data
    titles = {"ucsd2018": lambda r: r["title"], "amazon2023": lambda r: r["title"],
              "spapi": lambda r: r["attributes"].get("item_name", [{"value": ""}])[0]["value"],
              "image2mass": lambda r: r["title"]}
    for t in truth:
        for source in t["sources"]:
            title = titles[source](recs[source][t["asin"]])
            if t["junk"] == "no_title":
                assert title == ""
            elif t["piggyback_source"] == source:
                assert title and title != t["title"]
            else:
                assert title == t["title"]


def test_reviews_reference_listings_and_follow_ratings(data):
    out, summary, truth, _ = data
    reviews = [r for p in (out / "ucsd2018").glob("reviews_*") for r in _jsonl(p)]
    reviews += [{"asin": r["parent_asin"], "overall": r["rating"]}
                for p in (out / "amazon2023").glob("reviews_*") for r in _jsonl(p)]
    assert len(reviews) == summary["ucsd2018_reviews"] + summary["amazon2023_reviews"]
    n_by_asin = {t["asin"]: t["n_reviews"] for t in truth}
    counts: dict[str, int] = {}
    for r in reviews:
        counts[r["asin"]] = counts.get(r["asin"], 0) + 1
        assert r["overall"] in (1.0, 2.0, 3.0, 4.0, 5.0)
    assert counts == {a: n for a, n in n_by_asin.items() if n}
