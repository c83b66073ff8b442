"""emma-fs: EMMa (an extensible multimodal multi-task object dataset with materials) built as
a database-centric system: raw sources -> DuckDB raw tables -> versioned SQL transforms ->
Parquet exports -> models and embeddings -> Feast features served from LanceDB -> CLI queries.

The library is the product; `cli/` is a thin skin over :class:`emma_fs.project.Project`.
Heavy dependencies (torch, lancedb, feast, duckdb, pandas) are imported inside the functions
that need them so that importing this package stays cheap.
"""

__version__ = "0.1.0"

import os as _os

# Lance's Rust logger prints a WARN line for routine events (e.g. "No existing dataset ...
# will be created" on every first write); keep errors only unless the user asks for more.
# The lance library reads LANCE_LOG, lancedb's bundled engine LANCEDB_LOG.
_os.environ.setdefault("LANCE_LOG", "error")
_os.environ.setdefault("LANCEDB_LOG", "error")
