"""The synthetic Amazon-like category tree, grown procedurally below the seed archetypes.

The tree starts from the seed paths of :data:`.seed_categories.ARCHETYPES` and grows variant
children ("Folding Pocket Knives", "Mini Skillets") under random leaves until it holds about
``n_objects / 20`` nodes (at least the seed tree, at most 6,000), never deeper than 6 levels.
Products live on leaves only. Each leaf carries its archetype plus the accumulated modifier
effects (mass and price multipliers, property log-odds nudges) and a popularity weight.
Deterministic for a given ``(seed, n_objects)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emma_fs.sources.synth.seed_categories import ARCHETYPES, MODIFIERS

MAX_DEPTH = 6
MAX_NODES = 6000
_SUFFIX_MODIFIERS = {"Sets", "Accessories", "Replacement Parts"}


@dataclass
class CategoryTree:
    """Nodes (name, parent index) and per-leaf arrays used by the catalogue sampler.

    ``leaf_*`` arrays are aligned with ``leaves`` (node indices of the leaves).
    """

    names: list[str]
    parents: list[int]
    leaves: np.ndarray            # int node index of each leaf
    leaf_archetype: np.ndarray    # int index into ARCHETYPES
    leaf_mass_mult: np.ndarray    # float
    leaf_price_mult: np.ndarray   # float
    leaf_prop_logit: np.ndarray   # float (n_leaves, 5) nudges from modifiers
    leaf_modifiers: list[tuple[str, ...]]
    leaf_weight: np.ndarray       # float popularity, sums to 1 over physical / non-physical
    leaf_non_physical: np.ndarray  # bool

    def path(self, node: int) -> list[str]:
        """Names from the root department down to ``node``."""
        out = []
        while node >= 0:
            out.append(self.names[node])
            node = self.parents[node]
        return out[::-1]

    def node_id(self, node: int) -> str:
        """A stable Amazon-like browse node id (classificationId)."""
        return str(1_000_000_011 + node * 7919)

def _target_nodes(n_objects: int, base: int) -> int:
    return int(min(MAX_NODES, max(base, n_objects // 20)))


def build(seed: int, n_objects: int) -> CategoryTree:
    """Grow the tree for ``n_objects`` products (more objects, more and deeper categories)."""
    rng = np.random.default_rng([seed, 1_000_003])
    names: list[str] = []
    parents: list[int] = []
    index: dict[tuple[int, str], int] = {}

    def add(parent: int, name: str) -> int:
        key = (parent, name)
        if key not in index:
            index[key] = len(names)
            names.append(name)
            parents.append(parent)
        return index[key]

    # leaf state: node -> (archetype, mass mult, price mult, prop nudges, modifiers, weight)
    leaf: dict[int, tuple[int, float, float, np.ndarray, tuple[str, ...], float]] = {}
    seed_weights = 1.0 / (rng.permutation(len(ARCHETYPES)) + 4.0) ** 0.7
    for a_idx, arch in enumerate(ARCHETYPES):
        node = -1
        for name in arch.path:
            node = add(node, name)
        leaf[node] = (a_idx, 1.0, 1.0, np.zeros(5), (), float(seed_weights[a_idx]))

    depth = {}
    for i, p in enumerate(parents):
        depth[i] = 1 if p < 0 else depth[p] + 1
    target = _target_nodes(n_objects, len(names))
    mod_names = [m[0] for m in MODIFIERS]
    while len(names) < target:
        growable = [n for n in leaf
                    if depth[n] < MAX_DEPTH and not ARCHETYPES[leaf[n][0]].non_physical]
        if not growable:
            break
        w = np.array([leaf[n][5] for n in growable])
        chosen = growable[int(rng.choice(len(growable), p=w / w.sum()))]
        a_idx, mm, pm, nudges, mods, weight = leaf.pop(chosen)
        k = int(rng.integers(3, 10))
        picks = rng.choice(len(MODIFIERS), size=min(k, len(MODIFIERS)), replace=False)
        shares = rng.dirichlet(np.full(len(picks), 1.5))
        base_name = names[chosen]
        for share, mi in zip(shares, picks, strict=True):
            mod, nudge, m_mult, p_mult = MODIFIERS[int(mi)]
            if mod in mods:
                continue
            child_name = f"{base_name} {mod}" if mod in _SUFFIX_MODIFIERS else f"{mod} {base_name}"
            child = add(chosen, child_name)
            depth[child] = depth[chosen] + 1
            leaf[child] = (a_idx, mm * m_mult * float(rng.lognormal(0, 0.15)),
                           pm * p_mult * float(rng.lognormal(0, 0.15)),
                           nudges + np.asarray(nudge, dtype=float), (*mods, mod_names[int(mi)]),
                           weight * float(share))
        if not any(parents[c] == chosen for c in leaf):  # every modifier was already used
            leaf[chosen] = (a_idx, mm, pm, nudges, mods, weight)

    leaves = np.array(sorted(leaf), dtype=np.int64)
    arch = np.array([leaf[n][0] for n in leaves], dtype=np.int64)
    non_phys = np.array([ARCHETYPES[a].non_physical for a in arch], dtype=bool)
    weights = np.array([leaf[n][5] for n in leaves])
    for mask in (non_phys, ~non_phys):
        if mask.any():
            weights[mask] = weights[mask] / weights[mask].sum()
    return CategoryTree(
        names=names,
        parents=parents,
        leaves=leaves,
        leaf_archetype=arch,
        leaf_mass_mult=np.array([leaf[n][1] for n in leaves]),
        leaf_price_mult=np.array([leaf[n][2] for n in leaves]),
        leaf_prop_logit=np.stack([leaf[n][3] for n in leaves]),
        leaf_modifiers=[leaf[n][4] for n in leaves],
        leaf_weight=weights,
        leaf_non_physical=non_phys,
    )
