"""Array views of the two label hierarchies the models predict: materials and categories.

:class:`MaterialTree` turns the materials taxonomy (``node,parent`` rows of
``sql/seeds/materials_taxonomy.csv``) into index arrays and an ancestor matrix, and encodes
label sets into the target / loss-mask matrices the materials loss needs (ancestors implied,
descendants of the most specific labels excluded, unlabeled items masked).
:class:`CategoryVocab` indexes the category paths seen in training data as a tree of path
prefixes, one sibling group per parent, for the hierarchical category loss.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emma_fs.errors import ConfigError

PATH_SEP = " > "


@dataclass(frozen=True)
class MaterialTree:
    """Taxonomy nodes in a fixed order; ``parent[i]`` is an index or -1 for a root."""

    nodes: tuple[str, ...]
    parent: np.ndarray  # int64 [N]
    depth: np.ndarray  # int64 [N], roots are 0
    ancestors: np.ndarray = field(repr=False)  # bool [N, N]: ancestors[i, j] = j is above i

    @property
    def index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.nodes)}

    def __len__(self) -> int:
        return len(self.nodes)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str | None]]) -> MaterialTree:
        """Build from ``(node, parent)`` pairs; an empty/None parent marks a root."""
        pairs = [(n.strip(), (p or "").strip()) for n, p in pairs]
        nodes = tuple(n for n, _ in pairs)
        if len(set(nodes)) != len(nodes):
            raise ConfigError("materials taxonomy has duplicate node names")
        index = {n: i for i, n in enumerate(nodes)}
        parent = np.full(len(nodes), -1, dtype=np.int64)
        for i, (_, p) in enumerate(pairs):
            if p:
                if p not in index:
                    raise ConfigError(f"materials taxonomy: parent {p!r} of {nodes[i]!r} "
                                      "is not a node")
                parent[i] = index[p]
        n = len(nodes)
        anc = np.zeros((n, n), dtype=bool)
        depth = np.zeros(n, dtype=np.int64)
        for i in range(n):  # walk up once per node (taxonomy-sized, not data-sized)
            j, steps = parent[i], 0
            while j >= 0:
                anc[i, j] = True
                j, steps = parent[j], steps + 1
                if steps > n:
                    raise ConfigError(f"materials taxonomy has a cycle through {nodes[i]!r}")
            depth[i] = steps
        return cls(nodes=nodes, parent=parent, depth=depth, ancestors=anc)

    @classmethod
    def from_csv(cls, path: Path) -> MaterialTree:
        """Read a taxonomy CSV with at least the columns ``node,parent``."""
        try:
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
        except FileNotFoundError as exc:
            raise ConfigError(f"materials taxonomy {path} not found",
                              hint="run `emma-fs synth` or check the sql dir") from exc
        if not rows or "node" not in rows[0] or "parent" not in rows[0]:
            raise ConfigError(f"materials taxonomy {path} needs the columns node,parent")
        return cls.from_pairs((r["node"], r["parent"]) for r in rows)

    def children_of(self, i: int) -> np.ndarray:
        return np.flatnonzero(self.parent == i)

    def encode(self, labels: Sequence[Sequence[str] | None]) -> tuple[np.ndarray, np.ndarray]:
        """Label sets -> ``(targets, mask)`` float32/bool ``[B, N]``.

        Ancestors of every label are positive. Nodes below a most-specific label are left out
        of the mask (the label does not say which subtype it is), and items with no label at
        all are masked entirely. Unknown node names are ignored.
        """
        index = self.index
        hits = np.zeros((len(labels), len(self.nodes)), dtype=bool)
        for row, names in enumerate(labels):  # label sets are short; rows are a few thousand
            for name in names or ():
                j = index.get(name)
                if j is not None:
                    hits[row, j] = True
        return self.encode_matrix(hits)

    def encode_matrix(self, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`encode` from a bool ``[B, N]`` matrix of labelled nodes."""
        a = self.ancestors.astype(np.float32)
        full = hits | ((hits.astype(np.float32) @ a) > 0)
        specific = full & ~((full.astype(np.float32) @ a) > 0)
        below_specific = (specific.astype(np.float32) @ a.T) > 0
        labeled = full.any(axis=1, keepdims=True)
        mask = labeled & ~below_specific
        return full.astype(np.float32), mask


def default_taxonomy_path(sql_dir: Path) -> Path:
    return sql_dir / "seeds" / "materials_taxonomy.csv"


@dataclass(frozen=True)
class CategoryVocab:
    """Category path prefixes as a tree. Node keys are paths joined with ``' > '``."""

    keys: tuple[str, ...]
    parent: np.ndarray  # int64 [C], -1 for top level
    level: np.ndarray  # int64 [C]

    @property
    def depth(self) -> int:
        return int(self.level.max()) + 1 if len(self.keys) else 0

    @property
    def index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.keys)}

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_paths(cls, paths: Iterable[Sequence[str] | None]) -> CategoryVocab:
        """Index every prefix of the given paths (pass the distinct paths of the train split)."""
        levels: dict[str, int] = {}  # insertion order puts every parent before its children
        for path in paths:
            for lvl in range(len(path or ())):
                levels.setdefault(PATH_SEP.join(path[: lvl + 1]), lvl)
        ordered = tuple(levels)
        idx = {k: i for i, k in enumerate(ordered)}
        parent = np.array([idx[k.rsplit(PATH_SEP, 1)[0]] if levels[k] else -1
                           for k in ordered], dtype=np.int64)
        level = np.array([levels[k] for k in ordered], dtype=np.int64)
        return cls(keys=ordered, parent=parent, level=level)

    def encode(self, paths: Sequence[Sequence[str] | None], depth: int | None = None
               ) -> np.ndarray:
        """Paths -> node indices ``[B, depth]`` (-1 where the path is shorter or unknown)."""
        depth = self.depth if depth is None else depth
        out = np.full((len(paths), max(depth, 1)), -1, dtype=np.int64)
        index = self.index
        for row, path in enumerate(paths):
            for lvl in range(min(len(path or ()), depth)):
                j = index.get(PATH_SEP.join(path[: lvl + 1]))
                if j is None:
                    break
                out[row, lvl] = j
        return out

    def to_dict(self) -> dict:
        return {"keys": list(self.keys)}

    @classmethod
    def from_dict(cls, data: dict) -> CategoryVocab:
        return cls.from_paths(k.split(PATH_SEP) for k in data["keys"])
