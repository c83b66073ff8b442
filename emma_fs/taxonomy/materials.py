"""The materials taxonomy: load ``sql/seeds/materials_taxonomy.csv`` and map seller strings.

The CSV (columns ``node,parent,synonyms,patterns``) is one tree: a single synthetic root
``material`` (empty parent) whose children are the top-level classes (metal, plastic, wood,
fabric, ...). Node names are unique lowercase snake_case. Nothing should hard-code the number
of nodes: use ``len(load())``.

Matching rule (the SQL transforms implement the same rule over the same CSV):

* ``synonyms``: pipe-separated lowercase phrases of ``[a-z0-9]`` words separated by single
  spaces. A synonym matches when ``' ' || syn || ' '`` occurs in the *normalised* seller string:
  lowercase, every run of characters outside ``[a-z0-9]`` replaced by one space, padded with a
  space on both sides.
* ``patterns``: pipe-separated regexes (RE2 and Python compatible, no ``|`` inside) searched in
  the lowercase raw seller string (catches typos, grades like ``ss304``, ``18/8``).
* A string maps to every matching node, then ancestors of other matches are dropped (most
  specific wins: "stainless steel" -> ``stainless_steel``, not also ``steel``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from emma_fs.errors import ConfigError
from emma_fs.workspace import SHIPPED_SQL_DIR

TAXONOMY_CSV = SHIPPED_SQL_DIR / "seeds" / "materials_taxonomy.csv"
ROOT = "material"
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class MaterialNode:
    """One taxonomy node: its name, parent (None for the root), synonyms and regex patterns."""

    node: str
    parent: str | None
    synonyms: tuple[str, ...]
    patterns: tuple[str, ...]


def normalise(text: str) -> str:
    """Seller string -> ``' words separated by single spaces '`` (the synonym-matching form)."""
    return " " + _NON_WORD.sub(" ", text.lower()).strip() + " "


def _split(cell: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in cell.split("|") if s.strip())


@lru_cache(maxsize=4)
def _load_cached(path: str) -> tuple[MaterialNode, ...]:
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames != ["node", "parent", "synonyms", "patterns"]:
                raise ConfigError(
                    f"{path}: header must be node,parent,synonyms,patterns, "
                    f"got {reader.fieldnames}")
            rows = list(reader)
    except FileNotFoundError as exc:
        raise ConfigError(f"materials taxonomy not found at {path}") from exc
    return tuple(
        MaterialNode(r["node"].strip(), r["parent"].strip() or None,
                     _split(r["synonyms"]), _split(r["patterns"]))
        for r in rows
    )


def load(path: Path | None = None) -> list[MaterialNode]:
    """All nodes in file order (parents before children)."""
    return list(_load_cached(str(path or TAXONOMY_CSV)))


def names(path: Path | None = None) -> list[str]:
    """Node names in file order."""
    return [n.node for n in load(path)]


def parent_map(path: Path | None = None) -> dict[str, str | None]:
    """node -> parent (None for the root)."""
    return {n.node: n.parent for n in load(path)}


def children(node: str, path: Path | None = None) -> list[str]:
    """Direct children of ``node``."""
    return [n.node for n in load(path) if n.parent == node]


def ancestors(node: str, path: Path | None = None) -> list[str]:
    """Ancestors of ``node`` from its parent up to the root (excluding ``node`` itself)."""
    parents = parent_map(path)
    if node not in parents:
        raise KeyError(f"unknown material node {node!r}")
    out: list[str] = []
    p = parents[node]
    while p is not None:
        out.append(p)
        p = parents[p]
    return out


def depth(node: str, path: Path | None = None) -> int:
    """Depth of ``node``: 0 for the root."""
    return len(ancestors(node, path))


def most_specific(nodes: Iterable[str], path: Path | None = None) -> list[str]:
    """Drop every node that is an ancestor of another node in ``nodes`` (order kept)."""
    nodes = list(dict.fromkeys(nodes))
    implied = {a for n in nodes for a in ancestors(n, path)}
    return [n for n in nodes if n not in implied]


@lru_cache(maxsize=4)
def _matchers(path: str) -> tuple[tuple[str, tuple[str, ...], re.Pattern | None], ...]:
    out = []
    for n in _load_cached(path):
        syns = tuple(f" {s} " for s in n.synonyms)
        rx = re.compile("|".join(f"(?:{p})" for p in n.patterns)) if n.patterns else None
        out.append((n.node, syns, rx))
    return tuple(out)


def match(seller_string: str, path: Path | None = None) -> list[str]:
    """Map one seller material string to the most specific matching taxonomy nodes.

    ``"Polyester/Spandex"`` -> ``["polyester", "spandex"]``; ``"SS304"`` ->
    ``["stainless_steel"]``; ``"Imported"`` -> ``[]``.
    """
    low = seller_string.lower()
    norm = normalise(seller_string)
    hits = [node for node, syns, rx in _matchers(str(path or TAXONOMY_CSV))
            if any(s in norm for s in syns) or (rx is not None and rx.search(low))]
    return most_specific(hits, path)
