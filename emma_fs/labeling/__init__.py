"""Smart Labeling and the object embedding (paper section 5).

Modules, one job each:

- ``object_inputs``: assemble the standardized per-object input vector (text/image embeddings,
  price, mass, materials, ratings, product type, category) from ``listings`` and the exports.
- ``object_embedding``: the bottleneck autoencoder, its training, reconstruction report and the
  ``object_embeddings`` outputs (LanceDB table + Parquet export).
- ``tables``: DDL of the labeling tables in the workspace DuckDB.
- ``properties``: property names and their registry.
- ``features``: keyword (regex) text-match features over ``listings.listing_text``.
- ``events``: the append-only ``label_events`` log and the current labels derived from it.
- ``dataset``: the in-memory design matrix (object embedding + keyword features) for a property.
- ``model``: the logistic regression, scoring, grouped cross-validation and metrics.
- ``candidates``: pure numpy candidate selection (search, uncertainty, range, random).
- ``session``: a labeling page loop driven by interactive keys or a scripted answers stream.
- ``status`` / ``apply``: metrics of a property and probabilistic labels for every object.
- ``simulate``: the oracle simulation reproducing the paper's Table 3 process.
- ``curves``: learning-curve arithmetic of the simulation (step lookups, mean of repeated runs).
"""
