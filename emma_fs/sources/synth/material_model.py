"""How materials shape the hidden products: sampling, physical effects and seller strings.

Per taxonomy node (from ``sql/seeds/materials_taxonomy.csv``, size ``len(load())``) this module
derives effects from the node's top-level class plus a few overrides: density (kg/m^3, for
dimensions), log-mass and log-price shifts, log-odds nudges of the five Smart Labeling
properties, an RGB colour and a texture id for the images. It samples 1-3 materials per
product from its leaf's weights and renders them as messy seller strings ("SS304",
"95% Polyester, 5% Spandex", "Alumnium", "Imported").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emma_fs.taxonomy import materials as taxonomy

# texture ids used by images.py
FLAT, GRAIN, WEAVE, SPECKLE, METALLIC, SPARKLE, CLEAR, CIRCUIT = range(8)

# class: density, log-mass shift, log-price shift, prop nudges (s, t, d, a, e), colour, texture
_CLASS: dict[str, tuple[float, float, float, tuple, tuple, int]] = {
    "metal": (7800, 0.3, 0.1, (0.3, -0.5, -1.5, 0.2, 0), (160, 160, 170), METALLIC),
    "plastic": (1100, -0.1, -0.3, (0, 0.2, 0, 0, 0), (200, 70, 60), FLAT),
    "wood": (650, 0.1, 0.2, (0, -1, -1.5, 0, 0), (150, 100, 55), GRAIN),
    "fabric": (300, -0.2, 0.0, (0, -1, 2.5, 0, 0), (90, 120, 180), WEAVE),
    "natural_fiber": (300, -0.1, -0.2, (0, -1, 1.5, 0, 0), (190, 160, 110), WEAVE),
    "leather": (900, 0.0, 0.4, (0, -1, 1.0, 0, 0), (110, 60, 30), SPECKLE),
    "fur": (100, -0.5, 0.5, (0, -1, 2.5, 0, 0), (230, 220, 200), SPECKLE),
    "feather": (50, -0.5, 0.3, (0, -1, 2.5, 0, 0), (240, 240, 235), SPECKLE),
    "paper": (700, -0.2, -0.3, (0, -1, 0.8, 0, 0), (200, 180, 140), FLAT),
    "glass": (2500, 0.2, 0.1, (0.2, 3.0, -1.5, 0, 0), (180, 220, 235), CLEAR),
    "ceramic": (2300, 0.2, 0.0, (0, -0.5, -1.5, 0, 0), (235, 230, 220), FLAT),
    "stone": (2600, 0.5, 0.3, (0, -1, -1.5, 0, 0), (150, 150, 150), SPECKLE),
    "concrete": (2400, 0.6, -0.2, (0, -1, -1.5, 0, 0), (170, 170, 165), SPECKLE),
    "gemstone": (3500, -0.5, 2.0, (0.2, 0.8, -1, 0, 0), (200, 30, 90), SPARKLE),
    "rubber": (1200, 0.0, -0.2, (0, -0.5, 2.0, 0, 0), (40, 40, 40), FLAT),
    "foam": (50, -0.8, -0.2, (0, -1, 2.5, 0, 0), (240, 230, 120), SPECKLE),
    "composite": (1600, -0.2, 0.6, (0, -1, -0.5, 0, 0), (50, 50, 55), WEAVE),
    "clay": (1800, 0.2, -0.5, (0, -1, 3.0, 0, 0), (200, 110, 80), SPECKLE),
    "wax": (900, 0.0, -0.3, (0, 0, 0.3, 0, 0), (245, 235, 200), FLAT),
    "gel": (1000, 0.2, 0.0, (0, 0.8, 1.5, 0, 0), (120, 200, 180), CLEAR),
    "liquid": (1000, 0.2, 0.0, (0, 0.8, 0.5, 0, 0), (120, 180, 230), CLEAR),
    "food": (600, 0.0, -0.3, (0, -1, 0.8, 0, 0), (160, 90, 40), SPECKLE),
    "electronics": (2000, 0.3, 0.6, (0, -0.5, -0.5, 0.3, 4.0), (30, 30, 35), CIRCUIT),
}
_DEFAULT = (1500, 0.0, 0.2, (0, 0, 0, 0, 0), (240, 235, 225), SPECKLE)

# node: (log-price shift, prop nudges or None, colour or None, density or None)
_OVERRIDES: dict[str, tuple[float, tuple | None, tuple | None, float | None]] = {
    "gold": (2.0, None, (230, 190, 40), 19300), "platinum": (2.2, None, (225, 225, 230), 21000),
    "silver": (0.8, None, (205, 205, 215), 10500),
    "sterling_silver": (0.8, None, (210, 210, 220), 10400),
    "diamond": (2.5, (0.3, 1.5, -1, 0, 0), (240, 250, 255), None),
    "genuine_leather": (0.5, None, None, None), "silk": (0.6, None, (240, 225, 215), None),
    "cashmere": (0.8, None, (200, 180, 160), None), "titanium": (0.5, None, (140, 145, 150), 4500),
    "aluminum": (0.0, None, (195, 200, 205), 2700), "copper": (0.2, None, (184, 115, 51), None),
    "brass": (0.2, None, (200, 170, 60), None), "bronze": (0.2, None, (170, 120, 60), None),
    "carbon_steel": (0.0, None, (80, 80, 90), None), "cast_iron": (0.0, None, (55, 55, 60), None),
    "acrylic": (0.0, (0, 2.5, -1, 0, 0), (200, 230, 240), None),
    "polycarbonate": (0.0, (0, 2.0, -0.5, 0, 0), (190, 225, 240), None),
    "pet": (0.0, (0, 2.0, 0.5, 0, 0), (200, 235, 240), None),
    "crystal": (0.5, (0, 3.0, -1.5, 0, 0), (220, 240, 250), None),
    "plush": (0.0, (0, -1, 3.5, 0, 0), (200, 150, 120), 80),
    "minky": (0.0, (0, -1, 3.5, 0, 0), (230, 180, 200), 80),
    "sherpa": (0.0, (0, -1, 3.5, 0, 0), (245, 240, 230), 80),
    "faux_fur": (0.1, (0, -1, 3.5, 0, 0), (235, 225, 210), 80),
    "silicone": (0.0, (0, 0.3, 2.5, 0, 0), (230, 90, 120), None),
    "latex": (0.0, (0, 0, 2.5, 0, 0), (240, 220, 170), None),
    "memory_foam": (0.2, (0, -1, 3.0, 0, 0), (245, 245, 235), 60),
    "wax": (0.0, None, None, None), "tempered_glass": (0.0, (0, 3.5, -1.5, 0, 0), None, None),
    "cubic_zirconia": (0.5, (0, 1.5, -1, 0, 0), (245, 245, 255), None),
    "pearl": (1.0, None, (245, 240, 230), None), "cedar": (0.1, None, (170, 90, 60), 380),
    "pine": (-0.1, None, (220, 185, 130), 500), "walnut": (0.4, None, (95, 60, 35), None),
    "cherry": (0.3, None, (150, 70, 45), None), "bamboo": (0.0, None, (215, 190, 120), None),
}


@dataclass
class MaterialModel:
    """Arrays indexed by taxonomy node (file order of the CSV)."""

    names: list[str]
    synonyms: list[tuple[str, ...]]
    parent: np.ndarray        # int, -1 for the root
    density: np.ndarray       # kg/m^3
    log_mass: np.ndarray
    log_price: np.ndarray
    prop_logit: np.ndarray    # (n, 5)
    colour: np.ndarray        # (n, 3) uint8
    texture: np.ndarray       # int
    top: list[str]            # top-level class of each node (child of the root)

    def index(self, name: str) -> int:
        return self.names.index(name)


def _top_class(node: str) -> str:
    chain = [node, *taxonomy.ancestors(node)]
    return chain[-2] if len(chain) >= 2 else node


def build() -> MaterialModel:
    """Effects for every node of the shipped taxonomy (deterministic)."""
    nodes = taxonomy.load()
    parents = taxonomy.parent_map()
    names = [n.node for n in nodes]
    pos = {n: i for i, n in enumerate(names)}
    n = len(names)
    density, log_mass, log_price = np.zeros(n), np.zeros(n), np.zeros(n)
    prop, colour, texture = np.zeros((n, 5)), np.zeros((n, 3)), np.zeros(n, dtype=np.int64)
    for i, node in enumerate(names):
        top = _top_class(node)
        if parents[node] == "plastic" or top == "plastic":
            top = "plastic"
        d, lm, lp, pn, col, tex = _CLASS.get(top, _DEFAULT)
        h = (sum(map(ord, node)) * 2654435761) % 2**32
        jitter = np.array([(h >> s) % 41 - 20 for s in (0, 8, 16)], dtype=float)
        density[i], log_mass[i], log_price[i] = d, lm, lp
        prop[i], colour[i], texture[i] = pn, np.clip(np.array(col) + jitter, 0, 255), tex
        if top == "plastic":  # plastics come in many colours
            colour[i] = [(h >> 3) % 200 + 40, (h >> 11) % 200 + 40, (h >> 19) % 200 + 40]
        if node in _OVERRIDES:
            p_shift, pn2, col2, d2 = _OVERRIDES[node]
            log_price[i] += p_shift
            if pn2 is not None:
                prop[i] = pn2
            if col2 is not None:
                colour[i] = col2
            if d2 is not None:
                density[i] = d2
    return MaterialModel(
        names=names,
        synonyms=[n.synonyms or (n.node.replace("_", " "),) for n in nodes],
        parent=np.array([pos[parents[x]] if parents[x] else -1 for x in names]),
        density=density, log_mass=log_mass, log_price=log_price, prop_logit=prop,
        colour=colour.astype(np.uint8), texture=texture, top=[_top_class(x) for x in names],
    )


def leaf_weights(model: MaterialModel, leaf_materials: list[dict[str, float]],
                 rng: np.random.Generator) -> np.ndarray:
    """(n_leaves, n_nodes) sampling weights: the archetype's weights, perturbed per leaf."""
    w = np.zeros((len(leaf_materials), len(model.names)))
    for i, mats in enumerate(leaf_materials):
        for name, weight in mats.items():
            w[i, model.index(name)] = weight * rng.lognormal(0, 0.5)
    return w


def sample(weights: np.ndarray, leaf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 3) node indices per product, -1 padded; 1-3 distinct materials (Gumbel top-k)."""
    w = weights[leaf]
    with np.errstate(divide="ignore"):
        keys = np.log(w) + rng.gumbel(size=w.shape)
    top = np.argsort(-keys, axis=1)[:, :3]
    k = rng.choice([1, 2, 3], size=len(leaf), p=[0.45, 0.38, 0.17])
    k = np.minimum(k, (w > 0).sum(axis=1))
    out = np.where(np.arange(3)[None, :] < k[:, None], top, -1)
    return out


# Extra seller spellings beyond the taxonomy synonyms (grades, marketing words, trade names).
_SELLER_FORMS: dict[str, tuple[str, ...]] = {
    "stainless_steel": ("SS304", "18/8 Stainless Steel", "304 Stainless", "Stainless-Steel"),
    "aluminum": ("Aluminium Alloy", "6061 Aluminum", "Aircraft Grade Aluminum"),
    "plush": ("Super Soft Plush", "Plush Fabric"),
    "cotton": ("Organic Cotton", "Cotton Poplin"),
    "genuine_leather": ("Genuine Cowhide Leather", "Real Leather"),
    "silicone": ("Food Grade Silicone", "BPA-Free Silicone"),
    "plastic": ("BPA Free Plastic", "Tritan"),
    "polyester": ("Poly", "Polyester Blend"),
    "wood": ("Solid Wood", "Natural Wood"),
    "glass": ("Lead-Free Glass",),
    "abs": ("ABS Plastic",),
}
_JUNK = ("Imported", "N/A", "See Description", "Other", "Mixed", "Multi", "As Shown")
_JOIN = ("/", ", ", " and ", " & ", " + ", "; ")
_FABRIC_LIKE = {"fabric", "natural_fiber"}


def _typo(word: str, r: float) -> str:
    if len(word) < 5:
        return word
    i = 1 + int(r * (len(word) - 2))
    return word[:i] + word[i + 1:] if r < 0.5 else word[:i] + word[i + 1] + word[i] + word[i + 2:]


def seller_string(model: MaterialModel, nodes: list[int], u: np.ndarray) -> str:
    """Render true material nodes as one seller string; ``u`` is a vector of >= 12 uniforms."""
    if u[0] < 0.04 or not nodes:
        return _JUNK[int(u[1] * len(_JUNK))]
    parts = []
    fabrics = 0
    for j, node in enumerate(nodes):
        r = u[2 + 3 * j: 5 + 3 * j]
        chosen = node
        if r[0] < 0.12 and model.parent[node] > 0:
            chosen = int(model.parent[node])  # a generic word: "Metal" for stainless steel
        syns = model.synonyms[chosen]
        extra = _SELLER_FORMS.get(model.names[chosen], ())
        k = int(r[1] * (len(syns) + len(extra))) % (len(syns) + len(extra))
        if k < len(syns):
            text = syns[k]
            if r[2] < 0.05:
                text = _typo(text, r[2] * 20)
            text = text.upper() if len(text) <= 4 else text.title()
        else:
            text = extra[k - len(syns)]
        if model.top[node] in _FABRIC_LIKE:
            fabrics += 1
        parts.append(text)
    if fabrics == len(parts) and u[11] < 0.5:
        if len(parts) == 1:
            return f"100% {parts[0]}"
        shares = np.sort(np.round(u[:len(parts)] * 100))[::-1] + 1
        shares = np.round(100 * shares / shares.sum()).astype(int)
        shares[0] += 100 - shares.sum()
        return ", ".join(f"{s}% {p}" for s, p in zip(shares, parts, strict=True))
    return _JOIN[int(u[10] * len(_JOIN))].join(parts)
