"""The five Smart Labeling properties of a hidden product, and the functional variants that
set them.

As in the paper's data, a property is mostly fixed by what the object IS: the archetype's base
log-odds (:data:`.seed_categories.ARCHETYPES`), the nudges of its category leaf's modifiers
("Folding", "Clear", "Electric", see :data:`.seed_categories.MODIFIERS`) and of its materials
(:mod:`.material_model`). Their sum is a deterministic score; the property holds when it is
positive. About :data:`P_FUNCTION` of the products get one *functional variant* (a phrase the
listing text always shows, e.g. "with LED Light", "with Clear Lid", "Manual, No Batteries
Needed") that sets one property to the variant's sign. Finally :data:`P_AMBIGUOUS` of the
product/property pairs are genuinely ambiguous: their label is drawn from the score's sigmoid,
so near-boundary items go either way. Order of the five columns: :data:`PROPERTIES`.
"""

from __future__ import annotations

import numpy as np

PROPERTIES = ("sharp", "transparent", "deformable", "articulating", "electronic")
P_FUNCTION = 0.22      # share of products with a functional variant
P_AMBIGUOUS = 0.03     # share of (product, property) pairs whose label is a judgement call
P_FLIP_SIGN = 0.75     # a variant usually changes the property (else it restates it)

# Per property: phrases of variants that make it true, and phrases that make it false. A title
# shows the phrase right after the product noun. Some negatives reuse a keyword of the paper's
# lists ("Blade Not Included", "No Batteries"), so a keyword alone cannot decide the label.
FUNCTIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("with Built-in Cutter", "with Serrated Blade", "with Pointed Tip"),
     ("with Rounded Safety Edges", "Handle Only, Blade Not Included")),
    (("with Clear Lid", "with See-Through Window", "in Crystal Clear Case"),
     ("with Frosted Opaque Finish", "Blackout Tinted")),
    (("with Soft Silicone Cover", "Flexible Bendable Design", "with Stretchy Fabric Sleeve"),
     ("with Rigid Hard Shell", "Solid Stiff Frame")),
    (("Folding", "with Hinged Lid", "with 360 Degree Swivel Joint", "with Adjustable Arm"),
     ("One-Piece Molded Design", "Fixed Non-Folding Frame")),
    (("with LED Light", "USB Rechargeable", "with Bluetooth Speaker", "Battery Powered"),
     ("Manual, No Batteries Needed", "Non-Electric Hand Operated")),
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def assign(rng: np.random.Generator, score: np.ndarray, non_physical: np.ndarray,
           uniforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Properties (n, 5) bool and functional variant codes (n,) int of ``n`` products.

    ``score`` (n, 5): archetype + modifier + material log-odds; ``uniforms`` (n, 5): the
    caller's draws used for the ambiguous labels. A variant code is -1 (none) or
    ``property * 16 + 8 * is_negative + phrase index`` (decode with :func:`phrase`).
    """
    n = len(score)
    props = score > 0
    ambiguous = rng.random((n, 5)) < P_AMBIGUOUS
    props = np.where(ambiguous, uniforms < _sigmoid(score), props)
    has = (rng.random(n) < P_FUNCTION) & ~non_physical
    prop = rng.integers(0, 5, n)
    rows = np.arange(n)
    current = props[rows, prop]
    positive = np.where(rng.random(n) < P_FLIP_SIGN, ~current, current)
    n_phrases = np.array([[len(neg), len(pos)] for pos, neg in FUNCTIONS])[prop,
                                                                           positive.astype(int)]
    pick = (rng.random(n) * n_phrases).astype(np.int64)
    code = np.where(has, prop * 16 + 8 * (~positive) + pick, -1)
    props[rows[has], prop[has]] = positive[has]
    return props & ~non_physical[:, None], code


def phrase(code: int) -> str:
    """The text of a functional variant code ("" for -1)."""
    if code < 0:
        return ""
    prop, rest = divmod(int(code), 16)
    negative, k = divmod(rest, 8)
    return FUNCTIONS[prop][negative][k]
