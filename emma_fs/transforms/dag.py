"""The dependency graph of transforms: which transform reads which, a deterministic build
order, and upstream/downstream closures. Edges come from the tables a query reads (data
dependencies) plus the tables its audits read (ordering only: audited after its target)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from emma_fs.errors import NotFound, TransformError
from emma_fs.transforms.model import Transform


@dataclass(frozen=True)
class Dag:
    """``parents[name]``: transforms whose data ``name`` reads; ``after[name]``: parents plus
    transforms its audits read; ``order``: every transform after all of its ``after``."""

    parents: Mapping[str, tuple[str, ...]]
    after: Mapping[str, tuple[str, ...]]
    order: tuple[str, ...]

    @classmethod
    def build(cls, transforms: Mapping[str, Transform]) -> Dag:
        parents: dict[str, tuple[str, ...]] = {}
        after: dict[str, tuple[str, ...]] = {}
        for name, t in transforms.items():
            if name in t.tables:
                raise TransformError(f"transform {name} ({t.path}) reads its own output "
                                     f"table {name}")
            parents[name] = tuple(x for x in t.tables if x in transforms)
            audit_refs = [x for x in t.audit_references() if x in transforms and x != name]
            after[name] = tuple(sorted({*parents[name], *audit_refs}))
        return cls(parents, after, _topological_order(after))

    def children(self, name: str) -> list[str]:
        return [n for n in self.order if name in self.parents[n]]

    def upstream(self, names: Iterable[str]) -> set[str]:
        """``names`` and everything they need built first (data parents and audit targets)."""
        todo, seen = list(names), set()
        for n in todo:
            if n not in self.after:
                raise NotFound(f"no transform named {n!r}",
                               hint=f"known: {', '.join(sorted(self.after)) or 'none'}")
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(self.after[n])
        return seen

    def downstream(self, name: str) -> list[str]:
        """Transforms whose data depends on ``name``, directly or not, in build order."""
        affected: set[str] = set()
        for n in self.order:
            if any(p == name or p in affected for p in self.parents[n]):
                affected.add(n)
        return [n for n in self.order if n in affected]


def _topological_order(after: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Kahn's algorithm, ready nodes taken alphabetically so the order is reproducible."""
    remaining = {n: set(deps) for n, deps in after.items()}
    order: list[str] = []
    while remaining:
        ready = sorted(n for n, deps in remaining.items() if not deps)
        if not ready:
            raise TransformError("transforms form a dependency cycle: "
                                 + " -> ".join(_one_cycle(remaining)))
        for n in ready:
            order.append(n)
            del remaining[n]
        for deps in remaining.values():
            deps.difference_update(ready)
    return tuple(order)


def _one_cycle(remaining: Mapping[str, set[str]]) -> list[str]:
    node = sorted(remaining)[0]
    path: list[str] = []
    while node not in path:
        path.append(node)
        node = sorted(remaining[node])[0]
    return path[path.index(node):] + [node]
