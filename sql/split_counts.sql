-- name: split_counts
-- kind: view
-- description: listings per split, how many are complete items, and the share of all listings
SELECT
    split,
    count(*) AS listings,
    count(*) FILTER (WHERE price_usd IS NOT NULL AND mass_kg IS NOT NULL AND len(materials) > 0
                     AND len(category_path) > 0 AND n_reviews > 1 AND n_images > 1) AS complete,
    count(*) / sum(count(*)) OVER () AS share
FROM listings
GROUP BY split
ORDER BY split
