-- name: listings
-- kind: table
-- description: the EMMa dataset, one row per kept object (docs/contracts.md section 4): cleaned, joined, filtered, de-duplicated and split
-- audit: not_null(asin, title, split, duplicate_cluster)
-- audit: unique(asin)
-- audit: accepted_values(split: 'train', 'validation', 'test', 'calibration')
-- audit: custom(has an image): SELECT * FROM @this WHERE n_images = 0
-- audit: custom(units are sane): SELECT * FROM @this WHERE mass_kg <= 0 OR price_usd < 0 OR length_cm <= 0
SELECT
    j.asin,
    j.title,
    j.listing_text,
    j.brand,
    j.product_type,
    j.category_path,
    j.price_usd,
    j.mass_kg,
    j.package_mass_kg,
    j.length_cm,
    j.width_cm,
    j.height_cm,
    j.materials,
    j.materials_raw,
    j.rating_dist,
    j.n_reviews,
    j.avg_rating,
    j.image_ids,
    j.image_paths,
    j.n_images,
    j.sources,
    s.cluster AS duplicate_cluster,
    s.split
FROM splits AS s
JOIN listings_joined AS j USING (asin)
