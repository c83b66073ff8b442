"""The versioned SQL transform engine: ``.sql`` files (header + one query) become physical
version tables ``emma_versions.<name>__<fp12>`` with a view ``main.<name>`` pointing at the
current one. Start at :class:`emma_fs.transforms.engine.Engine`; modules by role: ``model``
(parse a file), ``files`` (file inputs), ``macros`` (shared SQL macros in ``sql/macros/``),
``audits``, ``dag``, ``fingerprint``, ``plan``, ``rewrite``, ``ddl`` (generated SQL),
``executor``, ``state`` (state tables), ``gc``, ``lineage``, ``messages``."""
