"""Raw data sources: discovery and ingest of the raw folder into DuckDB raw tables
(``ingest*`` modules) and the realistic synthetic generator (:mod:`emma_fs.sources.synth`) that
writes the three EMMa sources in their real on-disk formats (docs/contracts.md section 1)."""
