"""One module per CLI noun; each exposes `register(app)` and keeps heavy imports inside
command bodies."""
