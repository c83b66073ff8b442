-- listing_attributes: the observed attributes of every kept listing (contracts.md section 4),
-- one row per asin, flattened to types Feast serves: lists become strings
-- (category path joined by ' > ', materials by ', '), units kg / cm / USD.
SELECT
    CAST(asin AS VARCHAR) AS asin,
    CAST(title AS VARCHAR) AS title,
    CAST(brand AS VARCHAR) AS brand,
    CAST(product_type AS VARCHAR) AS product_type,
    CAST(category_path[-1] AS VARCHAR) AS category,
    array_to_string(category_path, ' > ') AS category_path,
    CAST(price_usd AS DOUBLE) AS price_usd,
    CAST(mass_kg AS DOUBLE) AS mass_kg,
    CAST(package_mass_kg AS DOUBLE) AS package_mass_kg,
    CAST(length_cm AS DOUBLE) AS length_cm,
    CAST(width_cm AS DOUBLE) AS width_cm,
    CAST(height_cm AS DOUBLE) AS height_cm,
    array_to_string(materials, ', ') AS materials,
    CAST(n_reviews AS BIGINT) AS n_reviews,
    CAST(avg_rating AS DOUBLE) AS avg_rating,
    CAST(n_images AS BIGINT) AS n_images,
    CAST(duplicate_cluster AS VARCHAR) AS duplicate_cluster,
    CAST(split AS VARCHAR) AS split
FROM listings
