-- name: dataset_coverage
-- kind: view
-- description: share of listings that have each attribute (paper 3.2: mass 77%, price 69%, materials 30%, category 70%)
SELECT
    count(*) AS listings,
    avg((mass_kg IS NOT NULL)::INT) AS mass,
    avg((price_usd IS NOT NULL)::INT) AS price,
    avg((len(materials) > 0)::INT) AS materials,
    avg((len(category_path) > 0)::INT) AS category,
    avg((n_reviews > 0)::INT) AS ratings,
    avg((product_type IS NOT NULL)::INT) AS product_type,
    avg((package_mass_kg IS NOT NULL)::INT) AS package_mass,
    avg((height_cm IS NOT NULL)::INT) AS dimensions,
    avg((n_images > 1)::INT) AS more_than_one_image,
    avg(n_images) AS images_per_listing
FROM listings
