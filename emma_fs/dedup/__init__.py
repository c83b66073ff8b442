"""Near-duplicate detection in the embedding spaces, and the text/image mismatch score.

- :mod:`~emma_fs.dedup.search`: all pairs with cosine >= threshold, SemDeDup style (spherical
  k-means, then exact blocked matmul inside each cluster and against points that probe it);
- :mod:`~emma_fs.dedup.candidates`: runs the search per modality and writes
  ``dedup_candidates`` for the SQL dedup bookkeeping (``text``, ``image``, and ``text+image``
  for pairs close in both spaces; the rule and its defaults: :mod:`~emma_fs.dedup.settings`);
- :mod:`~emma_fs.dedup.report`: similarity histogram and sample pairs near a threshold;
- :mod:`~emma_fs.dedup.mismatch`: ``text_image_mismatch`` (ridge map image -> text vectors);
- :mod:`~emma_fs.dedup.planted`: generated clustered vectors with planted near-duplicates
  (tests and benchmarks).
"""
