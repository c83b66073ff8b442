"""Fingerprints: a pure function of what determines a transform's data.

A transform's fingerprint is the sha256 of its canonical SQL (sqlglot-normalised), its kind,
its parents' fingerprints, the content hashes of the files it reads, the versions of the
external tables it reads (from ``_emma_source_versions``), the hashes of the shared macros it
calls (directly or through other macros; see :mod:`emma_fs.transforms.macros`) and the sqlglot
version (regenerated SQL may change between sqlglot releases). Audits are not part of it:
changing an audit re-runs the audit, not the build. The physical table is
``<name>__<first 12 hex digits>``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot

SHORT = 12


@dataclass(frozen=True)
class Components:
    """Everything hashed into a fingerprint, kept so a plan can say *why* a version changed."""

    sql_hash: str
    kind: str
    parents: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    externals: Mapping[str, str] = field(default_factory=dict)
    sqlglot_version: str = sqlglot.__version__
    macros: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """Canonical JSON. ``macros`` is left out when empty, so a transform calling no macro
        keeps the fingerprint it had before macros existed."""
        d = {"sql_hash": self.sql_hash, "kind": self.kind,
             "parents": dict(sorted(self.parents.items())),
             "files": dict(sorted(self.files.items())),
             "externals": dict(sorted(self.externals.items())),
             "sqlglot_version": self.sqlglot_version}
        if self.macros:
            d["macros"] = dict(sorted(self.macros.items()))
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Components:
        d = json.loads(text)
        return cls(d["sql_hash"], d["kind"], d["parents"], d["files"], d["externals"],
                   d["sqlglot_version"], d.get("macros", {}))

    def fingerprint(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    def changes_since(self, old: Components) -> list[str]:
        """Human reasons this version differs from ``old`` (empty when identical)."""
        reasons = []
        if self.sql_hash != old.sql_hash:
            reasons.append("sql changed")
        if self.kind != old.kind:
            reasons.append(f"kind {old.kind} -> {self.kind}")
        reasons += [f"parent {p} changed" for p in _diff(self.parents, old.parents)]
        reasons += [f"input file {f} changed" for f in _diff(self.files, old.files)]
        reasons += [f"external table {t} changed" for t in _diff(self.externals, old.externals)]
        reasons += [f"macro {m} " + ("added" if m not in old.macros else "no longer used"
                                     if m not in self.macros else "changed")
                    for m in _diff(self.macros, old.macros)]
        if self.sqlglot_version != old.sqlglot_version:
            reasons.append(f"sqlglot {old.sqlglot_version} -> {self.sqlglot_version}")
        return reasons


def _diff(new: Mapping[str, str], old: Mapping[str, str]) -> list[str]:
    return sorted(k for k in {*new, *old} if new.get(k) != old.get(k))


def sql_hash(canonical_sql: str) -> str:
    return hashlib.sha256(canonical_sql.encode()).hexdigest()


def audit_hash(audit_texts: list[str]) -> str:
    """Hash of a transform's audit definitions (a change re-runs audits, not the build)."""
    return hashlib.sha256("\n".join(audit_texts).encode()).hexdigest()


def physical_name(name: str, fingerprint: str) -> str:
    return f"{name}__{fingerprint[:SHORT]}"
