"""The LanceDB online store for Feast (`lancedb_online_store`) and its parts: the table layout
of a feature view (`schema`), batch validation (`batch`), LanceDB operations (`tables`) and
Feast filter translation (`filters`)."""
