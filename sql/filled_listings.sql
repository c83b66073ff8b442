-- name: filled_listings
-- kind: view
-- description: every listing with price, mass, materials, category and ratings completed by the latest `emma-fs fill`: the observed value where the listing has one, else the Everything model's prediction; each with provenance (observed | predicted:<model fingerprint>:gen<N>; NULL while missing and not filled yet)
-- audit: not_null(asin, split)
-- audit: unique(asin)
-- audit: custom(provenance without a value): SELECT asin FROM @this WHERE (mass_kg IS NULL AND mass_kg_provenance IS NOT NULL) OR (price_usd IS NULL AND price_usd_provenance IS NOT NULL)
WITH latest AS (
  SELECT *
  FROM filled_attributes
  WHERE generation = (SELECT max(generation) FROM filled_attributes)
)
SELECT
  l.asin,
  l.title,
  l.split,
  l.product_type,
  coalesce(l.price_usd, f.price_usd) AS price_usd,
  CASE WHEN l.price_usd IS NOT NULL THEN 'observed' ELSE f.price_usd_provenance END
    AS price_usd_provenance,
  coalesce(l.mass_kg, f.mass_kg) AS mass_kg,
  CASE WHEN l.mass_kg IS NOT NULL THEN 'observed' ELSE f.mass_kg_provenance END
    AS mass_kg_provenance,
  CASE WHEN len(l.materials) > 0 THEN l.materials ELSE f.materials END AS materials,
  CASE WHEN len(l.materials) > 0 THEN 'observed' ELSE f.materials_provenance END
    AS materials_provenance,
  CASE WHEN len(l.category_path) > 0 THEN l.category_path ELSE f.category_path END
    AS category_path,
  CASE WHEN len(l.category_path) > 0 THEN 'observed' ELSE f.category_path_provenance END
    AS category_path_provenance,
  coalesce(l.rating_dist, f.rating_dist) AS rating_dist,
  CASE WHEN l.rating_dist IS NOT NULL THEN 'observed' ELSE f.rating_dist_provenance END
    AS rating_dist_provenance,
  f.generation AS fill_generation
FROM listings AS l
LEFT JOIN latest AS f ON f.asin = l.asin
