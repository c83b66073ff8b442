"""Taxonomies shipped with emma-fs as seed data (the materials taxonomy in
``sql/seeds/materials_taxonomy.csv``); loaders and pure-Python helpers over them."""
