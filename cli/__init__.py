"""The `emma-fs` command line: a thin Typer skin over :mod:`emma_fs`.

`cli/main.py` builds the root app and mounts one sub-app per noun from `cli/commands/`;
`cli/state.py` holds the global options; `cli/render.py` is the one output renderer.
No module here imports torch, lancedb, feast, duckdb or pandas at import time.
"""
