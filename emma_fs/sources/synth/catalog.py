"""Hidden products and their listings for one chunk, sampled with vectorised numpy.

A *product* (object) is the physical truth: category leaf, brand, materials, mass (kg),
package mass, dimensions (cm), price (USD), the five properties, a ratings distribution.
A *listing* is one ASIN: every product has a canonical listing and ~10% get near-duplicate
listings (same product, another ASIN). Each listing appears in 1-3 sources (UCSD in the 2018
or the 2023 format, SP-API, image2mass), may be junk (no title / no image), piggy-backed (one
source describes a different product) or non-physical (software, e-gift cards, downloads).
What each source *carries* (mass, price, materials, category...) is decided here too, so the
writers only format and the truth table can say exactly what each source said.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emma_fs.sources.synth import ids
from emma_fs.sources.synth import properties as props_model
from emma_fs.sources.synth.categories import CategoryTree
from emma_fs.sources.synth.material_model import MaterialModel
from emma_fs.sources.synth.material_model import sample as sample_materials
from emma_fs.sources.synth.seed_categories import ARCHETYPES

SOURCES = ("ucsd2018", "amazon2023", "spapi", "image2mass")
UCSD, A2023, SPAPI, I2M = range(4)
JUNK_NONE, JUNK_NO_TITLE, JUNK_NO_IMAGE = 0, 1, 2

# How often a listing is in each source (canonical listings; duplicates lean to UCSD).
P_UCSD_FAMILY, P_UCSD_2018, P_SPAPI, P_I2M = 0.66, 0.72, 0.52, 0.40
P_DUPLICATE, P_NON_PHYSICAL, P_PIGGYBACK, P_NO_TITLE, P_NO_IMAGE = 0.10, 0.015, 0.01, 0.01, 0.01
# Per source: P(carries item mass), P(package mass), P(price), P(materials), P(category),
# P(dimensions), P(features), P(description)
CARRY = {
    UCSD: dict(mass=0.30, pkg=0.45, price=0.70, mat=0.12, cat=0.86, dims=0.30, feat=0.88,
               desc=0.65),
    A2023: dict(mass=0.50, pkg=0.0, price=0.70, mat=0.28, cat=0.55, dims=0.50, feat=0.88,
                desc=0.62),
    SPAPI: dict(mass=0.80, pkg=0.85, price=0.72, mat=0.42, cat=0.40, dims=0.65, feat=0.15,
                desc=0.0),
    I2M: dict(mass=1.0, pkg=0.0, price=0.0, mat=0.0, cat=0.0, dims=0.90, feat=0.0, desc=0.0),
}
# text sources write weights as strings in these units; SP-API uses its enum; image2mass pounds
TEXT_UNITS = ("ounces", "pounds", "Pounds", "g", "kg", "lbs", "oz", "grams", "Kilograms")
UNIT_KG = {"ounces": 0.028349523125, "oz": 0.028349523125, "pounds": 0.45359237,
           "Pounds": 0.45359237, "lbs": 0.45359237, "g": 0.001, "grams": 0.001, "kg": 1.0,
           "Kilograms": 1.0, "kilograms": 1.0}
SPAPI_UNITS = ("pounds", "ounces", "grams", "kilograms")


@dataclass
class SourceView:
    """What one source says about the listings it holds (arrays over all chunk listings)."""

    present: np.ndarray
    described: np.ndarray       # object row the record describes (donor when piggy-backed)
    mass_unit: np.ndarray       # index into the source's unit list, -1 = no mass
    mass_value: np.ndarray      # number written, in mass_unit
    mass_kg: np.ndarray         # mass_value converted exactly, NaN when absent
    pkg_unit: np.ndarray
    pkg_value: np.ndarray
    pkg_kg: np.ndarray
    price_usd: np.ndarray       # NaN when absent
    price_style: np.ndarray     # UCSD: 0 "$x", 1 range, 2 "", 3 CSS garbage
    has_mat: np.ndarray
    has_cat: np.ndarray
    cat_depth: np.ndarray       # how many path levels the source gives
    has_dims: np.ndarray
    n_features: np.ndarray
    has_desc: np.ndarray
    uniforms: np.ndarray        # (n, 16) spare uniforms for per-record choices


@dataclass
class Chunk:
    """One chunk of products and listings; ``obj_*`` over products, ``l_*`` over listings."""

    index: int
    seed: int
    obj_id: np.ndarray
    obj_leaf: np.ndarray
    obj_arch: np.ndarray
    obj_brand: np.ndarray
    obj_materials: np.ndarray
    obj_props: np.ndarray
    obj_mass: np.ndarray
    obj_pkg: np.ndarray
    obj_dims: np.ndarray
    obj_price: np.ndarray
    obj_rating: np.ndarray
    obj_non_physical: np.ndarray
    l_obj: np.ndarray
    l_code: np.ndarray
    l_global: np.ndarray
    l_asin: np.ndarray
    l_variant: np.ndarray
    l_src: np.ndarray
    l_junk: np.ndarray
    l_piggy: np.ndarray
    l_donor: np.ndarray
    l_n_images: np.ndarray
    l_n_reviews: np.ndarray
    image_flat: np.ndarray        # all image ids of the chunk's listings, listing by listing
    image_offsets: np.ndarray     # listing i owns image_flat[image_offsets[i]:image_offsets[i+1]]
    views: dict[int, SourceView] = field(default_factory=dict)
    # functional variant code per product (properties.phrase), -1 = none
    obj_function: np.ndarray | None = None

    @property
    def n_listings(self) -> int:
        return len(self.l_obj)

    def image_ids(self, listing: int) -> list[str]:
        """Image ids of a listing (what its own records show)."""
        return self.image_flat[self.image_offsets[listing]:self.image_offsets[listing + 1]].tolist()


def n_duplicates(seed: int, chunk: int, n_objects: int) -> int:
    """Number of extra near-duplicate listings of a chunk (known before building it)."""
    rng = np.random.default_rng([seed, 77, chunk])
    return int(rng.binomial(n_objects, P_DUPLICATE))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 0.005, 0.995)
    return np.log(p / (1 - p))


def sample_objects(rng: np.random.Generator, n: int, tree: CategoryTree, mats: MaterialModel,
                   leaf_mat_w: np.ndarray, n_brands: int) -> dict[str, np.ndarray]:
    """Hidden physical truth of ``n`` products."""
    non_phys = rng.random(n) < P_NON_PHYSICAL
    phys_leaves = np.flatnonzero(~tree.leaf_non_physical)
    np_leaves = np.flatnonzero(tree.leaf_non_physical)
    leaf = np.where(
        non_phys,
        rng.choice(np_leaves, size=n, p=tree.leaf_weight[np_leaves]),
        rng.choice(phys_leaves, size=n, p=tree.leaf_weight[phys_leaves]),
    )
    arch = tree.leaf_archetype[leaf]
    a_mass = np.array([a.mass_kg for a in ARCHETYPES])[arch]
    a_price = np.array([a.price_usd for a in ARCHETYPES])[arch]
    a_props = np.array([a.props for a in ARCHETYPES])[arch]
    materials = sample_materials(leaf_mat_w, leaf, rng)
    valid = materials >= 0
    safe = np.where(valid, materials, 0)
    w = valid / np.maximum(valid.sum(axis=1, keepdims=True), 1)
    mat_mass = (mats.log_mass[safe] * w).sum(axis=1)
    mat_price = (mats.log_price[safe] * w).sum(axis=1)
    mat_density = np.exp((np.log(mats.density[safe]) * w).sum(axis=1))
    mat_props = (mats.prop_logit[safe] * valid[..., None]).sum(axis=1)

    brand = (rng.zipf(1.3, size=n) + arch * 37) % n_brands
    brand_price = np.random.default_rng(9).normal(0, 0.35, size=n_brands)[brand]
    brand_quality = np.random.default_rng(10).normal(0, 0.5, size=n_brands)[brand]

    size_dev = rng.normal(0, 0.55, size=n)
    mass = a_mass * tree.leaf_mass_mult[leaf] * np.exp(mat_mass + size_dev)
    mass = np.where(non_phys, 0.0, np.clip(mass, 0.001, 2000))
    pkg = np.where(rng.random(n) < 0.05, mass * rng.uniform(0.6, 0.95, n),
                   mass * rng.uniform(1.05, 1.4, n) + 0.03)
    pkg = np.where(non_phys, rng.uniform(0.05, 0.2, n), pkg)
    fill = rng.uniform(0.15, 0.6, n)
    volume_cm3 = mass / (mat_density * fill) * 1e6
    aspect = np.sort(rng.uniform(0.15, 1.0, (n, 3)), axis=1)[:, ::-1]
    aspect[:, 0] = 1.0
    scale = np.cbrt(volume_cm3 / aspect.prod(axis=1))
    dims = np.where(non_phys[:, None], np.array([19.0, 13.5, 1.5]), scale[:, None] * aspect)
    dims = np.round(np.clip(dims, 0.2, 400), 1)

    price = (a_price * tree.leaf_price_mult[leaf]
             * np.exp(mat_price + brand_price + 0.35 * size_dev + rng.normal(0, 0.35, n)))
    price = np.round(np.clip(price, 0.5, 20000), 2)

    # properties follow what the object is (see properties.py); the two draws keep the
    # chunk's random stream as before, the variant draws come from a spawned stream
    # the primary material (the one the text names) counts fully, the others a little
    primary = np.where(valid[:, :1], mats.prop_logit[safe[:, 0]], 0.0)
    # the archetype decides by default (kept at least 2 log-odds from the boundary, so only a
    # telling modifier, material or functional variant changes it)
    base = np.where(a_props >= 0.5, 1.0, -1.0) * np.maximum(np.abs(_logit(a_props)), 2.0)
    score = base + tree.leaf_prop_logit[leaf] + 0.75 * primary + 0.25 * mat_props
    rng.normal(0, 0.6, (n, 5))
    props, function = props_model.assign(rng.spawn(1)[0], score, non_phys,
                                         rng.random((n, 5)))

    # how well a product is liked follows what a listing shows: its brand, its kind (category
    # leaf) and its main material, plus a little product-specific luck (same draws as before)
    leaf_quality = np.random.default_rng(11).normal(0, 0.6, len(tree.leaf_mass_mult))[leaf]
    mat_quality = np.random.default_rng(12).normal(0, 0.5, len(mats.log_price))[safe[:, 0]]
    quality = (1.2 * brand_quality + leaf_quality + np.where(valid[:, 0], mat_quality, 0.0)
               + rng.normal(0, 0.35, n))
    centre = np.clip(4.0 + 0.6 * quality, 1.3, 4.9)
    stars = np.arange(1, 6)
    alpha = np.exp(-((stars[None, :] - centre[:, None]) ** 2) / 2.0) * 12 + 0.15
    rating = rng.gamma(alpha)
    rating = rating / rating.sum(axis=1, keepdims=True)
    return dict(leaf=leaf, arch=arch, brand=brand, materials=np.where(non_phys[:, None], -1,
                materials), props=props, mass=mass, pkg=pkg, dims=dims, price=price,
                rating=rating, non_physical=non_phys, function=function)


def _membership(rng: np.random.Generator, n: int, is_dup: np.ndarray,
                non_phys: np.ndarray) -> np.ndarray:
    ucsd_family = rng.random(n) < np.where(is_dup, 0.9, P_UCSD_FAMILY)
    is_2018 = rng.random(n) < P_UCSD_2018
    src = np.zeros((n, 4), dtype=bool)
    src[:, UCSD] = ucsd_family & is_2018
    src[:, A2023] = ucsd_family & ~is_2018
    src[:, SPAPI] = rng.random(n) < np.where(is_dup, 0.25, P_SPAPI)
    src[:, I2M] = (rng.random(n) < np.where(is_dup, 0.2, P_I2M)) & ~non_phys
    none = ~src.any(axis=1)
    pick = rng.choice([UCSD, A2023, SPAPI, I2M], size=n, p=[0.45, 0.15, 0.25, 0.15])
    pick = np.where(non_phys & (pick == I2M), UCSD, pick)
    src[np.flatnonzero(none), pick[none]] = True
    return src


def _round_sig(v: np.ndarray, sig: int = 3) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    mag = np.floor(np.log10(np.maximum(np.abs(v), 1e-12)))
    factor = 10.0 ** (sig - 1 - mag)
    return np.round(v * factor) / factor


def _text_units(rng: np.random.Generator, kg: np.ndarray) -> np.ndarray:
    small = kg < 0.45
    u_small = rng.choice([0, 3, 6, 7, 1], size=len(kg), p=[0.4, 0.25, 0.2, 0.05, 0.1])
    u_big = rng.choice([1, 2, 4, 5, 8, 0], size=len(kg), p=[0.35, 0.15, 0.15, 0.2, 0.05, 0.1])
    return np.where(small, u_small, u_big)


def _claimed(rng: np.random.Generator, kg: np.ndarray) -> np.ndarray:
    """What a seller writes: the truth with rounding noise and 2% gross errors."""
    out = kg * rng.lognormal(0, 0.02, len(kg))
    gross = rng.random(len(kg)) < 0.02
    wrong = rng.choice([2.2046, 0.4536, 28.35, 1 / 28.35, 10.0], size=len(kg))
    return np.where(gross, out * wrong, out)


def source_view(rng: np.random.Generator, s: int, chunk_objs: dict[str, np.ndarray],
                l_obj: np.ndarray, present: np.ndarray, piggy: np.ndarray,
                donor: np.ndarray) -> SourceView:
    """Decide what source ``s`` carries for each of its listings."""
    n = len(l_obj)
    c = CARRY[s]
    described = np.where(piggy == s, donor, l_obj)
    non_phys = chunk_objs["non_physical"][described]
    true_kg = chunk_objs["mass"][described]
    true_pkg = chunk_objs["pkg"][described]

    def draw(p: float) -> np.ndarray:
        return present & (rng.random(n) < p)

    has_mass = draw(c["mass"]) & ~non_phys
    has_pkg = draw(c["pkg"])
    if s == SPAPI:
        units = np.array([UNIT_KG[u] for u in SPAPI_UNITS])
        m_unit = rng.choice(4, size=n, p=[0.5, 0.2, 0.15, 0.15])
        p_unit = rng.choice(4, size=n, p=[0.5, 0.2, 0.15, 0.15])
        m_val = _round_sig(_claimed(rng, true_kg) / units[m_unit], 4)
        p_val = _round_sig(_claimed(rng, true_pkg) / units[p_unit], 4)
    elif s == I2M:
        units = np.array([UNIT_KG["pounds"]])
        m_unit = np.zeros(n, dtype=np.int64)
        p_unit = m_unit
        m_val = np.round(_claimed(rng, true_kg) / units[0], 4)
        p_val = np.zeros(n)
    else:
        units = np.array([UNIT_KG[u] for u in TEXT_UNITS])
        m_unit = _text_units(rng, true_kg)
        p_unit = _text_units(rng, true_pkg)
        m_val = _round_sig(_claimed(rng, true_kg) / units[m_unit], 3)
        p_val = _round_sig(_claimed(rng, true_pkg) / units[p_unit], 3)
    m_val = np.maximum(m_val, 1e-4)
    p_val = np.maximum(p_val, 1e-4)
    has_price = draw(c["price"])
    price = chunk_objs["price"][described] * rng.lognormal(0, 0.08, n)
    conflict = rng.random(n) < 0.05
    price = np.round(np.where(conflict, price * rng.uniform(0.4, 2.5, n), price), 2)
    price = np.maximum(price, 0.49)
    style = rng.choice(4, size=n, p=[0.80, 0.08, 0.07, 0.05])
    if s == UCSD:  # an empty or garbage price string is present but carries no price
        has_price = has_price | draw(0.12)
        style = np.where(has_price, style, 2)
    has_mat = draw(c["mat"]) & (chunk_objs["materials"][described, 0] >= 0)
    depth = (chunk_objs["leaf_depth"][described]).astype(np.int64)
    cat_depth = np.where(rng.random(n) < 0.7, depth,
                         np.maximum(1, depth - rng.integers(1, 4, n)))
    return SourceView(
        present=present,
        described=described,
        mass_unit=np.where(has_mass, m_unit, -1),
        mass_value=m_val,
        mass_kg=np.where(has_mass, m_val * units[m_unit], np.nan),
        pkg_unit=np.where(has_pkg, p_unit, -1),
        pkg_value=p_val,
        pkg_kg=np.where(has_pkg, p_val * units[p_unit], np.nan),
        price_usd=np.where(has_price & (style != 2) & (style != 3), price, np.nan),
        price_style=style,
        has_mat=has_mat,
        has_cat=draw(c["cat"]),
        cat_depth=cat_depth,
        has_dims=draw(c["dims"]),
        n_features=np.where(draw(c["feat"]), rng.integers(1, 7, n), 0),
        has_desc=draw(c["desc"]),
        uniforms=rng.random((n, 16)),
    )


def _copy_text_amounts(views: dict[int, SourceView], canon: np.ndarray,
                       is_dup: np.ndarray) -> None:
    """A near-duplicate re-lists its product's copy: in every source it is in, it shows as many
    bullet features as the canonical listing's merged text (Amazon 2023 > UCSD > SP-API) and a
    description when the canonical one has one."""
    feat = np.zeros(len(canon), dtype=np.int64)
    for s in (SPAPI, UCSD, A2023):  # later sources win, as in the merged listing
        n_feat = np.where(views[s].present, views[s].n_features, 0)
        feat = np.where(n_feat > 0, n_feat, feat)
    desc = (views[UCSD].present & views[UCSD].has_desc) | (views[A2023].present
                                                           & views[A2023].has_desc)
    for s, view in views.items():
        dup = is_dup & view.present
        view.n_features = np.where(dup, feat[canon], view.n_features)
        if s in (UCSD, A2023):
            view.has_desc = np.where(dup, desc[canon], view.has_desc)


def build_chunk(seed: int, index: int, n_objects: int, listing_offset: int, obj_offset: int,
                tree: CategoryTree, mats: MaterialModel, leaf_mat_w: np.ndarray,
                leaf_depth: np.ndarray, n_brands: int) -> Chunk:
    """Sample products, listings and source views of chunk ``index`` (deterministic)."""
    rng = np.random.default_rng([seed, 11, index])
    objs = sample_objects(rng, n_objects, tree, mats, leaf_mat_w, n_brands)
    objs["leaf_depth"] = leaf_depth[objs["leaf"]]
    n_dup = n_duplicates(seed, index, n_objects)
    dup_of = np.sort(rng.choice(n_objects, size=n_dup, replace=True))
    l_obj = np.concatenate([np.arange(n_objects), dup_of])
    order = np.argsort(l_obj, kind="stable")
    l_obj = l_obj[order]
    is_dup = np.concatenate([np.zeros(n_objects, bool), np.ones(n_dup, bool)])[order]
    variant = np.zeros(len(l_obj), dtype=np.int64)
    if n_dup:
        first = np.r_[True, l_obj[1:] != l_obj[:-1]]
        run_start = np.maximum.accumulate(np.where(first, np.arange(len(l_obj)), 0))
        variant = np.arange(len(l_obj)) - run_start
    n = len(l_obj)
    non_phys = objs["non_physical"][l_obj]
    src = _membership(rng, n, is_dup, non_phys)
    junk = np.full(n, JUNK_NONE, dtype=np.int8)
    r = rng.random(n)
    junk[r < P_NO_TITLE] = JUNK_NO_TITLE
    junk[(r >= P_NO_TITLE) & (r < P_NO_TITLE + P_NO_IMAGE)] = JUNK_NO_IMAGE
    no_img = junk == JUNK_NO_IMAGE
    moved = no_img & src[:, I2M]
    src[moved, I2M] = False
    src[moved & ~src.any(axis=1), UCSD] = True

    piggy = np.full(n, -1, dtype=np.int64)
    multi = (src.sum(axis=1) >= 2) & (junk == JUNK_NONE)
    # ~P_PIGGYBACK of all listings; only a listing in 2+ sources can be piggy-backed
    is_piggy = multi & (rng.random(n) < P_PIGGYBACK / max(multi.mean(), 1e-9))
    for i in np.flatnonzero(is_piggy):
        piggy[i] = rng.choice(np.flatnonzero(src[i]))
    donor = rng.integers(0, n_objects, n)
    dept = np.array([ARCHETYPES[a].path[0] for a in range(len(ARCHETYPES))])[objs["arch"]]
    for _ in range(8):  # a completely different product: another department
        same = dept[donor] == dept[l_obj]
        if not same.any():
            break
        donor[same] = rng.integers(0, n_objects, int(same.sum()))
    donor = np.where(piggy >= 0, donor, -1)

    n_images = np.where(no_img, 0, np.clip(rng.geometric(0.42, n), 1, 9))
    canon = np.searchsorted(l_obj, l_obj)  # each listing's canonical listing (variant 0)
    # A near-duplicate re-lists the photos the canonical listing shows (re-encoded, see
    # images.py): all of them when it is in a UCSD dump (which shows every image), else its
    # main image (SP-API and image2mass show one); and it is in a UCSD dump when the canonical is.
    ucsd_family = src[:, UCSD] | src[:, A2023]
    shown = np.where(ucsd_family, n_images, np.minimum(n_images, 1))[canon]
    n_images = np.where(is_dup & ~no_img & (shown > 0), shown, n_images)
    src[is_dup & ucsd_family[canon] & ~ucsd_family, UCSD] = True
    rev = np.where(rng.random(n) < 0.22, 0, np.clip(rng.lognormal(1.0, 0.9, n).astype(int), 1, 30))
    rev = np.where(src[:, UCSD] | src[:, A2023], rev, 0)
    l_code = index * ids.CODE_STRIDE + np.arange(n)
    offsets = np.concatenate([[0], np.cumsum(n_images)])
    image_codes = np.repeat(l_code * 16, n_images) + (np.arange(offsets[-1]) -
                                                      np.repeat(offsets[:-1], n_images))
    views = {s: source_view(rng, s, objs, l_obj, src[:, s], piggy, donor) for s in range(4)}
    _copy_text_amounts(views, canon, is_dup)
    return Chunk(
        index=index, seed=seed, obj_id=obj_offset + np.arange(n_objects),
        obj_leaf=objs["leaf"], obj_arch=objs["arch"], obj_brand=objs["brand"],
        obj_materials=objs["materials"], obj_props=objs["props"], obj_mass=objs["mass"],
        obj_function=objs["function"], obj_pkg=objs["pkg"], obj_dims=objs["dims"],
        obj_price=objs["price"],
        obj_rating=objs["rating"], obj_non_physical=objs["non_physical"],
        l_obj=l_obj, l_code=l_code, l_global=listing_offset + np.arange(n),
        l_asin=ids.asins(l_code), l_variant=variant, l_src=src, l_junk=junk, l_piggy=piggy,
        l_donor=donor, l_n_images=n_images, l_n_reviews=rev, image_flat=ids.image_ids(image_codes),
        image_offsets=offsets, views=views,
    )
