"""Pretrained embeddings of listings, stored in LanceDB and exported for Feast.

Three spaces, each one LanceDB table keyed by ASIN in the workspace ``lancedb`` folder and one
Parquet file ``exports/embeddings/<space>.parquet`` rewritten after every run:

- ``text``: a sentence-transformers model over ``listings.listing_text`` (default
  all-MiniLM-L6-v2, 384-d), see :func:`emma_fs.embeddings.text.embed_text`;
- ``image``: a timm backbone over every image of a listing; the listing vector is the SUM of
  its images' pooled features (default EfficientNet-Lite0, 1280-d; paper 3.2), see
  :func:`emma_fs.embeddings.image.embed_images`;
- ``review``: the text model over ``review_texts.review_text``, mean-pooled per listing, see
  :func:`emma_fs.embeddings.reviews.embed_reviews`.

Runs are incremental: a content hash per ASIN and the model identity are stored with each
vector, and only new or changed listings are embedded.
"""

SPACES = ("text", "image", "review")
