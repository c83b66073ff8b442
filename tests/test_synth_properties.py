"""The five hidden Smart Labeling properties of generated products: realistic prevalences,
mostly fixed by what the object is (category leaf, functional variant, primary material), a
few ambiguous items, and the functional variant always visible in the title."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emma_fs.sources.synth.catalog import build_chunk
from emma_fs.sources.synth.generate import N_BRANDS, _world
from emma_fs.sources.synth.properties import FUNCTIONS, PROPERTIES, phrase
from emma_fs.sources.synth.text import ListingText

N = 6000


@pytest.fixture(scope="module")
def chunk():
    tree, mats, leaf_w, leaf_depth, brands = _world(0, N)
    c = build_chunk(0, 0, N, 0, 0, tree, mats, leaf_w, leaf_depth, N_BRANDS)
    return c, ListingText(c, tree, mats, brands)


def _f1(t: np.ndarray, p: np.ndarray) -> float:
    return 2 * float((t & p).sum()) / float(t.sum() + p.sum())


def test_prevalences_are_realistic(chunk):
    c, _ = chunk
    rates = c.obj_props[~c.obj_non_physical].mean(axis=0)
    assert ((rates >= 0.03) & (rates <= 0.40)).all(), dict(zip(PROPERTIES, rates, strict=True))
    assert not c.obj_props[c.obj_non_physical].any()


def test_properties_follow_what_the_object_is(chunk):
    """Majority vote within (leaf, variant, primary material) recovers >= 95 F1, the leaf
    alone does not (variants and materials matter), and some labels are ambiguous."""
    c, _ = chunk
    df = pd.DataFrame({"leaf": c.obj_leaf, "fn": c.obj_function, "mat": c.obj_materials[:, 0]})
    for k, prop in enumerate(PROPERTIES):
        df["y"] = c.obj_props[:, k]
        by_what = df.groupby(["leaf", "fn", "mat"])["y"].transform("mean").to_numpy() > 0.5
        by_leaf = df.groupby("leaf")["y"].transform("mean").to_numpy() > 0.5
        assert _f1(c.obj_props[:, k], by_what) >= 0.95, prop
        assert _f1(c.obj_props[:, k], by_leaf) < _f1(c.obj_props[:, k], by_what), prop
    assert 0.15 < (c.obj_function >= 0).mean() < 0.30


def test_functional_variant_is_in_the_title_and_sets_its_property(chunk):
    c, text = chunk
    listings = np.flatnonzero((c.obj_function[c.l_obj] >= 0) & (c.l_variant == 0))[:300]
    assert len(listings) > 100
    for i in listings:
        obj = int(c.l_obj[i])
        code = int(c.obj_function[obj])
        assert phrase(code) in text.title(int(i))
        prop, rest = divmod(code, 16)
        positive = rest < 8
        assert phrase(code) in FUNCTIONS[prop][0 if positive else 1]
        assert bool(c.obj_props[obj, prop]) == positive
