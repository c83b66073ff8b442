"""Listing text: brand names, titles, bullet features, descriptions and review texts.

Words are tied to the hidden truth so text models can learn: category nouns and modifiers,
material words, and the paper's keyword lists for the five properties (a positive property is
mentioned in most listings, a negative one in a few through a realistic confuser such as
"Soft-Grip Handle" or "Smart Design", so keywords alone are not enough: :data:`MENTION_POSITIVE`,
:data:`MENTION_NEGATIVE`, :data:`TRAPS`), and
a product's functional variant ("with LED Light", "Folding", "Manual, No Batteries Needed", see
:mod:`.properties`) is always named after the noun in its title and in a bullet.
Non-physical items carry telling words ("Digital Download", "eGift Card", "[Online Code]").
Each product has its own identity in text (a model code, a colour, its own phrasing of the
bullets), drawn from a per-product stream, so two products of one category read differently.
A near-duplicate listing re-lists the same product copy: the canonical listing's title with a
small edit (a word such as "New" or "2 Pack" added, brand casing, two tokens swapped) and the
same bullet features and description.
"""

from __future__ import annotations

import numpy as np

from emma_fs.sources.synth.catalog import Chunk
from emma_fs.sources.synth.categories import CategoryTree
from emma_fs.sources.synth.material_model import MaterialModel
from emma_fs.sources.synth.properties import phrase as function_phrase
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
# How often a listing names its property: per property, for products that have it and for
# products that do not. Deformable and electronic positives are named less often (their
# materials and nouns already tell), and their negatives more often, through a trap phrase.
MENTION_POSITIVE = (0.75, 0.75, 0.30, 0.75, 0.30)
MENTION_NEGATIVE = (0.015, 0.015, 0.15, 0.015, 0.15)
# What a product WITHOUT the property says when its listing names the property's words: real
# listings' confusers, each holding a word of the paper's keyword list ("Soft-Grip Handle" on
# a knife, "Smart Design" on a plain organizer), so a keyword match alone cannot decide.
TRAPS: tuple[tuple[str, ...], ...] = (
    ("Blunt Safety Tip", "Pin-Free Design", "Dull-Proof Coating"),
    ("Frosted Glass Look", "Display Stand Included", "Picture Frame Style"),
    ("Soft-Grip Handle", "Soft-Close Lid", "Non-Slip Silicone Feet", "Fabric-Lined Interior",
     "Flex-Lock Clip"),
    ("Gift Box Packaging", "Book-Style Packaging", "Twist-Free Cord"),
    ("Smart Space-Saving Design", "Power Grip", "Battery Storage Slot", "Mechanical Wind-Up",
     "Protective Case Included"),
)
_FEATURE_KW = (
    "SHARP AND DURABLE: {kw} stays keen through daily use.",
    "SEE WHAT'S INSIDE: {kw} design lets you see the contents at a glance.",
    "SOFT TOUCH: {kw} material that bends and gives without losing shape.",
    "MOVES WITH YOU: {kw} parts rotate and fold for easy storage.",
    "POWERED UP: {kw}; charge it and it runs for hours.",
)
_FEATURE_TRAP = "THOUGHTFUL DETAILS: {kw} for everyday convenience."
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

_COLOURS = ("Slate Blue", "Forest Green", "Charcoal", "Ivory", "Burgundy", "Teal", "Sand",
            "Navy", "Coral", "Olive", "Graphite", "Mint", "Mustard", "Plum", "Rose Gold",
            "Sky Blue", "Espresso", "Crimson", "Lavender", "Silver Grey")
_CODE_LETTERS = "BCDFGHJKLMNPRSTVWXZ"
_DUP_EDITS = ("New", "2 Pack", "Genuine", "Upgraded", "Original", "Pack of 2", "", "")
_GET_EXTRAS = ("user guide", "storage pouch", "gift box", "spare parts kit", "cleaning cloth",
               "quick start card", "carry bag", "mounting kit")
_PITCHES = (
    "Thoughtfully engineered by the {brand} design team after years of customer feedback.",
    "Our best-selling {noun}, now refined with a sturdier build.",
    "Tested in our own lab to meet strict quality standards.",
    "A family-run workshop finishes every {noun} by hand.",
    "Voted a favourite by thousands of happy customers.",
    "Compact, practical and built to be used every single day.",
    "Designed in-house and backed by responsive support.",
    "Made in small batches for consistent quality.",
)

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
        rate = np.where(props, np.array(MENTION_POSITIVE), np.array(MENTION_NEGATIVE))
        self.mention = (rng.random((n, 5)) < rate) & ~(
            chunk.obj_non_physical[chunk.l_obj][:, None])
        self.canonical_listing = np.searchsorted(chunk.l_obj, np.arange(len(chunk.obj_id)))
        # product identity (model code, colour, phrasing): one stream per chunk, per product
        self.obj_u = np.random.default_rng([chunk.seed, 41, chunk.index]).random(
            (len(chunk.obj_id), 8))
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

    def property_words(self, obj: int, prop: int, u: float) -> str:
        """The words a listing uses to name property ``prop``: one of its keywords when the
        product has it, else one of the property's trap phrases."""
        words = KEYWORDS[prop] if self.c.obj_props[obj, prop] else TRAPS[prop]
        return words[int(u * len(words)) % len(words)]

    def model_code(self, obj: int) -> str:
        """A product's model number, e.g. ``KX-4821`` (distinct products rarely share one)."""
        u = self.obj_u[obj]
        letters = "".join(_CODE_LETTERS[int(x * len(_CODE_LETTERS)) % len(_CODE_LETTERS)]
                          for x in u[:2])
        return f"{letters}-{100 + int(u[2] * 9900)}"

    def function(self, obj: int) -> str:
        """The product's functional variant phrase (see :mod:`.properties`), "" for none."""
        codes = self.c.obj_function
        return "" if codes is None else function_phrase(int(codes[obj]))

    def colour(self, obj: int) -> str:
        return _COLOURS[int(self.obj_u[obj, 3] * len(_COLOURS)) % len(_COLOURS)]

    def copy_listing(self, listing: int) -> int:
        """The listing whose product copy ``listing`` shows: the canonical listing of its
        product (a near-duplicate re-lists the same copy)."""
        return int(self.canonical_listing[int(self.c.l_obj[listing])])

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
        c = self.c
        if int(c.l_variant[listing]):
            title = self._edited_title(listing)
            self._titles[listing] = title
            return title
        u = self.u[listing]
        obj = int(c.l_obj[listing])
        leaf = int(c.obj_leaf[obj])
        words: list[str] = []
        brand = self.brand(obj)
        if u[0] < 0.9:
            words.append(brand)
        words.extend(self.tree.leaf_modifiers[leaf])
        mat = self.material_word(obj, u[3])
        noun = self.noun(obj, u[5]).title()
        if mat and u[4] < 0.45 and mat.lower() not in noun.lower():
            words.append(mat)
        words.append(noun)
        words.append(self.function(obj))
        if c.obj_non_physical[obj]:
            words.append(_NON_PHYSICAL_TAGS[int(u[16] * len(_NON_PHYSICAL_TAGS))])
        else:
            words.append(self.model_code(obj))
            for p in range(5):
                if self.mention[listing, p] and u[6 + p] < 0.4:
                    words.append(self.property_words(obj, p, u[11 + p]))
            if self.obj_u[obj, 4] < 0.6:
                words.append(self.colour(obj))
            words.append(_EXTRAS[int(u[17] * len(_EXTRAS))])
        title = " ".join(w for w in words if w)
        self._titles[listing] = title
        return title

    def _edited_title(self, listing: int) -> str:
        """A near-duplicate's title: the canonical title with one small seller edit (a word
        added, brand casing) and sometimes two neighbouring tokens swapped."""
        u = self.u[listing]
        obj = int(self.c.l_obj[listing])
        words = self.title(int(self.canonical_listing[obj])).split()
        brand = self.brand(obj)
        edit = _DUP_EDITS[int(u[18] * len(_DUP_EDITS))]
        if not edit and brand in words:
            words[words.index(brand)] = brand.upper()
        elif edit:
            if u[1] < 0.5:
                words.insert(0, edit)
            else:
                words.append(edit)
        if u[19] < 0.35 and len(words) > 3:
            k = 1 + int(u[23] * (len(words) - 2))
            words[k - 1], words[k] = words[k], words[k - 1]
        return " ".join(words)

    def described_title(self, listing: int, described: int) -> str:
        """Title a record shows: its own, or the donor's when the record is piggy-backed."""
        if described == int(self.c.l_obj[listing]):
            return self.title(listing)
        return self.title(int(self.canonical_listing[described]))

    def features(self, listing: int, described: int, n: int) -> list[str]:
        """Up to ``n`` bullet points for the described product."""
        if n <= 0:
            return []
        c = self.c
        own = described == int(c.l_obj[listing])
        if own:  # a near-duplicate shows its product's canonical copy
            listing = self.copy_listing(listing)
        u = self.u[listing]
        mention = self.mention[listing] if own else c.obj_props[described] & (u[:5] < 0.6)
        noun = self.noun(described, u[5])
        ou = self.obj_u[described]
        out = []
        mat = self.material_word(described, u[20])
        if mat:
            out.append(f"PREMIUM {mat.upper()}: made of {mat.lower()} for "
                       f"{_BENEFITS[int(u[21] * len(_BENEFITS))]}.")
        if self.function(described):
            out.append(f"DESIGNED TO WORK: {self.function(described).lower()}, made for how "
                       f"you use a {noun.lower()}.")
        for p in range(5):
            if mention[p] and not (own and u[6 + p] < 0.4):
                words = self.property_words(described, p, u[11 + p])
                template = _FEATURE_KW[p] if c.obj_props[described, p] else _FEATURE_TRAP
                out.append(template.format(kw=words))
        out.append(f"PERFECT FOR: {_USES.get(self.dept(described), 'everyday use')}.")
        if not c.obj_non_physical[described]:
            pitch = _PITCHES[int(ou[5] * len(_PITCHES))].format(brand=self.brand(described),
                                                                noun=noun.lower())
            out.append(f"MODEL {self.model_code(described)}: {self.colour(described).lower()} "
                       f"finish. {pitch}")
        count = 1 + int(ou[6] * 4)
        out.append(f"WHAT YOU GET: {count} x {self.brand(described)} {noun}, "
                   f"{_GET_EXTRAS[int(ou[7] * len(_GET_EXTRAS))]} and our friendly support.")
        out.append(f"WORRY-FREE: {(6, 12, 18, 24, 36)[int(ou[0] * 5)]}-month warranty and "
                   f"{(30, 60, 90)[int(ou[1] * 3)]}-day returns.")
        return out[:n]

    def description(self, listing: int, described: int) -> list[str]:
        if described == int(self.c.l_obj[listing]):
            listing = self.copy_listing(listing)
        u = self.u[listing]
        noun = self.noun(described, u[5])
        brand = self.brand(described)
        mat = self.material_word(described, u[20])
        text = f"The {brand} {noun} is designed for {_USES.get(self.dept(described), 'you')}."
        if mat and u[22] < 0.6:
            text += f" Crafted from quality {mat.lower()}."
        ou = self.obj_u[described]
        text += " " + _PITCHES[int(ou[2] * len(_PITCHES))].format(brand=brand, noun=noun.lower())
        if not self.c.obj_non_physical[described]:
            text += f" Model {self.model_code(described)} in {self.colour(described).lower()}."
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
