"""The feature-store stage: Parquet exports of the dataset (`export`), the workspace's Feast
repo (`repo`, `definitions`), fast-path materialization into the online store (`materialize`,
`offline_read`) and nearest-neighbour queries served from it (`neighbors`).

Entry points: `export.export_tables(ws)`, `repo.write_repo(ws)`, `repo.open_store(ws)`,
`materialize.materialize(ws, full=False, views=None, export=True, progress=SILENT)`,
`neighbors.neighbors(ws, asin, k=10, space="text", where=None)`,
`neighbors.neighbors_many(ws, asins, ...)`.
"""
