"""Listing text: brand names, titles, bullet features, descriptions and review texts.

Words are tied to the hidden truth so text models can learn: category nouns and modifiers,
material words, and the paper's keyword lists for the five properties (a positive property is
mentioned in ~60% of listings, a negative one in ~4%, so keywords alone are not enough).
Non-physical items carry telling words ("Digital Download", "eGift Card", "[Online Code]").
Near-duplicate listings vary the title of the same product slightly.
"""

from __future__ import annotations

import numpy as np

from emma_fs.sources.synth.catalog import Chunk
from emma_fs.sources.synth.categories import CategoryTree
from emma_fs.sources.synth.material_model import MaterialModel
from emma_fs.sources.synth.seed_categories import ARCHETYPES

PROPERTIES = ("sharp", "transparent", "deformable", "articulating", "electronic")
KEYWORDS: tuple[tuple[str, ...], ...] = (
    ("Razor-Sharp Blade", "Serrated Edge", "Sharp", "with Sharpener", "Precision Cutting",
     "Needle Point", "Knife-Edge"),
    ("Clear", "Transparent", "See-Through", "Crystal Clear", "Clear Acrylic", "Glass Window"),
    ("Soft", "Flexible", "Stretchy", "Bendable", "Squishy", "Machine Washable", "Foldable Fabric"),
    ("Folding", "Adjustable", "with Hinge", "Telescoping", "360 Degree Swivel", "Chain Link",
     "Collapsible"),
    ("USB Rechargeable", "Battery Powered", "LED", "1200 Watt", "Electric", "Bluetooth",
     "with AC Adapter", "Smart"),
)
_FEATURE_KW = (
    "SHARP AND DURABLE: {kw} stays keen through daily use.",
    "SEE WHAT'S INSIDE: {kw} design lets you see the contents at a glance.",
    "SOFT TOUCH: {kw} material that bends and gives without losing shape.",
    "MOVES WITH YOU: {kw} parts rotate and fold for easy storage.",
    "POWERED UP: {kw}; charge it and it runs for hours.",
)
_NON_PHYSICAL_TAGS = ("[Digital Download]", "- Email Delivery", "[Online Code]",
                      "PC/Mac Download", "1-Year Subscription", "Instant Digital Access")
_EXTRAS = ("Set of 2", "2-Pack", "for Home and Office", "12 Inch", "Large", "Black", "Gift Idea",
           "Pack of 4", "Heavy Duty", "New Version", "")
_BENEFITS = ("long-lasting use", "everyday comfort", "easy cleaning", "a premium look",
             "years of reliable service", "lightweight handling")
_USES = {
    "Home & Kitchen": "your kitchen, dining room and everyday home life",
    "Clothing, Shoes & Jewelry": "casual wear, gifts and special occasions",
    "Electronics": "home, office, travel and gaming setups",
    "Tools & Home Improvement": "DIY projects, repairs and the workshop",
    "Sports & Outdoors": "camping, training and outdoor adventures",
    "Toys & Games": "kids, family game night and birthday gifts",
    "Office Products": "school, office and home study",
    "Beauty & Personal Care": "your daily routine and self care",
    "Grocery & Gourmet Food": "snacking, cooking and entertaining",
    "Pet Supplies": "dogs, cats and happy pets",
    "Automotive": "cars, trucks and SUVs",
    "Patio, Lawn & Garden": "the garden, patio and backyard",
    "Arts, Crafts & Sewing": "crafting, sewing and creative projects",
}
_REVIEWS = {
    1: ("Broke after two days.", "Terrible quality, I returned it.", "Do not buy this.",
        "Complete waste of money.", "Arrived damaged and support never answered."),
    2: ("Disappointed with this one.", "Not as described.", "Cheaply made.",
        "It works, barely. Would not buy again."),
    3: ("It's okay for the price.", "Average, does the job.", "Nothing special but fine.",
        "Some good points, some bad."),
    4: ("Pretty good overall.", "Works well with minor issues.", "Good value for money.",
        "Solid {noun}, would recommend."),
    5: ("Love this {noun}!", "Excellent quality, highly recommend.",
        "Perfect, exactly as described.", "Best {noun} I have owned. Five stars!"),
}
_SUMMARIES = {1: ("Junk", "One Star", "Awful"), 2: ("Meh", "Two Stars", "Not great"),
              3: ("Okay", "Three Stars", "Average"), 4: ("Good", "Four Stars", "Nice"),
              5: ("Great!", "Five Stars", "Love it")}

_SYLLABLES = ("ka", "lo", "ven", "tri", "mo", "zen", "ra", "dex", "pro", "lu", "na", "vi",
              "tor", "ex", "qu", "im", "sol", "ar", "ix", "bel", "cor", "fin", "gal", "hom")


def brand_names(n: int) -> list[str]:
    """``n`` distinct invented brand names (deterministic)."""
    rng = np.random.default_rng(424242)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        k = int(rng.integers(2, 4))
        name = "".join(_SYLLABLES[int(i)] for i in rng.integers(0, len(_SYLLABLES), k)).title()
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


class ListingText:
    """Builds the text of a chunk's listings; results cached per (listing, described object)."""

    def __init__(self, chunk: Chunk, tree: CategoryTree, mats: MaterialModel,
                 brands: list[str]) -> None:
        self.c = chunk
        self.tree = tree
        self.mats = mats
        self.brands = brands
        rng = np.random.default_rng([chunk.seed, 13, chunk.index])
        n = chunk.n_listings
        self.u = rng.random((n, 24))
        props = chunk.obj_props[chunk.l_obj]
        self.mention = (rng.random((n, 5)) < np.where(props, 0.6, 0.025)) & ~(
            chunk.obj_non_physical[chunk.l_obj][:, None])
        self.canonical_listing = np.searchsorted(chunk.l_obj, np.arange(len(chunk.obj_id)))
        self._titles: dict[int, str] = {}
        self._paths: dict[int, list[str]] = {}

    # --- products -------------------------------------------------------------------------
    def noun(self, obj: int, u: float) -> str:
        nouns = ARCHETYPES[int(self.c.obj_arch[obj])].nouns
        return nouns[int(u * len(nouns)) % len(nouns)]

    def brand(self, obj: int) -> str:
        return self.brands[int(self.c.obj_brand[obj])]

    def dept(self, obj: int) -> str:
        return ARCHETYPES[int(self.c.obj_arch[obj])].path[0]

    def material_word(self, obj: int, u: float) -> str:
        node = int(self.c.obj_materials[obj, 0])
        if node < 0:
            return ""
        syns = self.mats.synonyms[node]
        return syns[int(u * len(syns)) % len(syns)].title()

    def category_path(self, obj: int) -> list[str]:
        leaf = int(self.c.obj_leaf[obj])
        if leaf not in self._paths:
            self._paths[leaf] = self.tree.path(int(self.tree.leaves[leaf]))
        return self._paths[leaf]

    # --- listings -------------------------------------------------------------------------
    def title(self, listing: int) -> str:
        """The title of a listing's own product (the same in every source that has it)."""
        if listing in self._titles:
            return self._titles[listing]
        c, u = self.c, self.u[listing]
        obj = int(c.l_obj[listing])
        leaf = int(c.obj_leaf[obj])
        words: list[str] = []
        brand = self.brand(obj)
        variant = int(c.l_variant[listing])
        if u[0] < 0.9:
            words.append(brand.upper() if variant and u[1] < 0.5 else brand)
        for mod in self.tree.leaf_modifiers[leaf]:
            if u[2] < 0.75 or variant == 0:
                words.append(mod)
        mat = self.material_word(obj, u[3])
        noun = self.noun(obj, u[5]).title()
        if mat and u[4] < 0.45 and mat.lower() not in noun.lower():
            words.append(mat)
        words.append(noun)
        if c.obj_non_physical[obj]:
            words.append(_NON_PHYSICAL_TAGS[int(u[16] * len(_NON_PHYSICAL_TAGS))])
        else:
            for p in range(5):
                if self.mention[listing, p] and u[6 + p] < 0.4:
                    kws = KEYWORDS[p]
                    words.append(kws[int(u[11 + p] * len(kws)) % len(kws)])
            words.append(_EXTRAS[int(u[17] * len(_EXTRAS))])
        if variant:  # a near-duplicate listing of the same product: reworded
            words.insert(0, ("New", "Upgraded", "2023 Version", "Original", "Genuine")[
                (variant + int(u[18] * 5)) % 5])
            if u[19] < 0.5 and len(words) > 3:
                words[-1], words[-2] = words[-2], words[-1]
        title = " ".join(w for w in words if w)
        self._titles[listing] = title
        return title

    def described_title(self, listing: int, described: int) -> str:
        """Title a record shows: its own, or the donor's when the record is piggy-backed."""
        if described == int(self.c.l_obj[listing]):
            return self.title(listing)
        return self.title(int(self.canonical_listing[described]))

    def features(self, listing: int, described: int, n: int) -> list[str]:
        """Up to ``n`` bullet points for the described product."""
        if n <= 0:
            return []
        c, u = self.c, self.u[listing]
        own = described == int(c.l_obj[listing])
        mention = self.mention[listing] if own else c.obj_props[described] & (u[:5] < 0.6)
        noun = self.noun(described, u[5])
        out = []
        mat = self.material_word(described, u[20])
        if mat:
            out.append(f"PREMIUM {mat.upper()}: made of {mat.lower()} for "
                       f"{_BENEFITS[int(u[21] * len(_BENEFITS))]}.")
        for p in range(5):
            if mention[p] and not (own and u[6 + p] < 0.4):
                kws = KEYWORDS[p]
                out.append(_FEATURE_KW[p].format(kw=kws[int(u[11 + p] * len(kws)) % len(kws)]))
        out.append(f"PERFECT FOR: {_USES.get(self.dept(described), 'everyday use')}.")
        out.append(f"WHAT YOU GET: 1 x {noun}, user guide and our friendly customer service.")
        out.append("WORRY-FREE: 12-month warranty and 30-day returns.")
        return out[:n]

    def description(self, listing: int, described: int) -> list[str]:
        u = self.u[listing]
        noun = self.noun(described, u[5])
        brand = self.brand(described)
        mat = self.material_word(described, u[20])
        text = f"The {brand} {noun} is designed for {_USES.get(self.dept(described), 'you')}."
        if mat and u[22] < 0.6:
            text += f" Crafted from quality {mat.lower()}."
        if self.c.obj_non_physical[described]:
            text += " This is a digital product: no physical item will be shipped."
        return [text]


def review_text(stars: int, noun: str, u: float) -> tuple[str, str]:
    """(review text, summary) whose sentiment follows ``stars`` (1-5)."""
    options = _REVIEWS[stars]
    body = options[int(u * len(options)) % len(options)].format(noun=noun.lower())
    extra = options[int(u * 7919) % len(options)].format(noun=noun.lower())
    text = body if extra == body else f"{body} {extra}"
    summaries = _SUMMARIES[stars]
    return text, summaries[int(u * 101) % len(summaries)]
