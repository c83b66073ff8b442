-- name: listings_joined
-- kind: table
-- description: one row per ASIN seen in any source, each field from the best source that has it, median price across sources, images unioned, reviews summarised; before any filtering
-- audit: not_null(asin)
-- audit: unique(asin)
-- audit: custom(rating shares sum to 1): SELECT * FROM @this WHERE n_reviews > 0 AND abs(list_sum(rating_dist) - 1) > 1e-9
-- audit: custom(positive masses): SELECT * FROM @this WHERE mass_kg <= 0
--
-- Source precedence per field (first source that has the field wins):
--   title, brand =          spapi > amazon2023 > ucsd2018 > image2mass  (SP-API is the newest crawl)
--   features =              amazon2023 > ucsd2018 > spapi (bullet points)
--   description =           amazon2023 > ucsd2018
--   category_path =         the LONGEST path of any source (sources truncate the same path at
--                           different depths); ties: spapi > ucsd2018 > amazon2023
--   product_type =          spapi (the only source that has one)
--   mass_kg, dimensions =   spapi (structured, with units) > image2mass (a mass dataset) > amazon2023 > ucsd2018
--   package_mass_kg =       spapi > ucsd2018 ("Shipping Weight") > amazon2023
--   price_usd =             the MEDIAN of the sources' prices (paper 3.2)
--   materials_raw, images = the union over all sources (images ordered by source precedence)
--   ratings =               all reviews of both review dumps (stg_reviews)
WITH ranked AS (
    SELECT
        s.*,
        m.mass_kg, m.package_mass_kg, m.length_cm, m.width_cm, m.height_cm,
        CASE s.source WHEN 'spapi' THEN 1 WHEN 'amazon2023' THEN 2 WHEN 'ucsd2018' THEN 3 ELSE 4 END
            AS title_rank,
        CASE s.source WHEN 'amazon2023' THEN 1 WHEN 'ucsd2018' THEN 2 WHEN 'spapi' THEN 3 ELSE 4 END
            AS text_rank,
        CASE s.source WHEN 'spapi' THEN 1 WHEN 'ucsd2018' THEN 2 WHEN 'amazon2023' THEN 3 ELSE 4 END
            AS category_rank,
        CASE s.source WHEN 'spapi' THEN 1 WHEN 'image2mass' THEN 2 WHEN 'amazon2023' THEN 3 ELSE 4 END
            AS mass_rank,
        CASE s.source WHEN 'spapi' THEN 1 WHEN 'ucsd2018' THEN 2 WHEN 'amazon2023' THEN 3 ELSE 4 END
            AS package_rank
    FROM stg_sources AS s
    LEFT JOIN stg_measures AS m USING (asin, source)
),
merged AS (
    SELECT
        asin,
        arg_min(title, title_rank) FILTER (WHERE title IS NOT NULL) AS title,
        arg_min(brand, title_rank) FILTER (WHERE brand IS NOT NULL) AS brand,
        arg_min(features, text_rank) FILTER (WHERE len(features) > 0) AS features,
        arg_min(description, text_rank) FILTER (WHERE len(description) > 0) AS description,
        arg_min(product_type, title_rank) FILTER (WHERE product_type IS NOT NULL) AS product_type,
        arg_max(category_path, 10 * len(category_path) - category_rank)
            FILTER (WHERE len(category_path) > 0) AS category_path,
        median(price_usd) AS price_usd,
        count(price_usd) AS n_prices,
        arg_min(mass_kg, mass_rank) FILTER (WHERE mass_kg IS NOT NULL) AS mass_kg,
        arg_min(source, mass_rank) FILTER (WHERE mass_kg IS NOT NULL) AS mass_source,
        arg_min(package_mass_kg, package_rank) FILTER (WHERE package_mass_kg IS NOT NULL)
            AS package_mass_kg,
        arg_min([length_cm, width_cm, height_cm], mass_rank) FILTER (WHERE height_cm IS NOT NULL)
            AS dims_cm,
        list_sort(list(source)) AS sources
    FROM ranked
    GROUP BY asin
),
images AS (
    SELECT
        i.asin,
        list(i.image_id ORDER BY i.first_rank, i.first_pos, i.image_id) AS image_ids,
        list(r.path ORDER BY i.first_rank, i.first_pos, i.image_id) FILTER (WHERE r.path IS NOT NULL)
            AS image_paths
    FROM (
        SELECT asin, image_id,
               min(CASE source WHEN 'spapi' THEN 1 WHEN 'amazon2023' THEN 2
                               WHEN 'ucsd2018' THEN 3 ELSE 4 END) AS first_rank,
               min(pos) AS first_pos
        FROM stg_images
        GROUP BY asin, image_id
    ) AS i
    LEFT JOIN (SELECT image_id, min(path) AS path FROM raw_images GROUP BY image_id) AS r
        USING (image_id)
    GROUP BY i.asin
),
reviews AS (
    SELECT
        asin,
        sum(copies) AS n_reviews,
        sum(copies * stars) / sum(copies) AS avg_rating,
        [sum(copies) FILTER (WHERE stars = 1) / sum(copies),
         sum(copies) FILTER (WHERE stars = 2) / sum(copies),
         sum(copies) FILTER (WHERE stars = 3) / sum(copies),
         sum(copies) FILTER (WHERE stars = 4) / sum(copies),
         sum(copies) FILTER (WHERE stars = 5) / sum(copies)] AS rating_dist
    FROM stg_reviews
    GROUP BY asin
)
SELECT
    m.asin,
    m.title,
    concat_ws(' ', m.title, array_to_string(m.features, ' '), array_to_string(m.description, ' '))
        AS listing_text,
    m.brand,
    m.product_type,
    coalesce(m.category_path, []) AS category_path,
    m.price_usd,
    m.n_prices,
    m.mass_kg,
    m.mass_source,
    m.package_mass_kg,
    m.dims_cm[1] AS length_cm,
    m.dims_cm[2] AS width_cm,
    m.dims_cm[3] AS height_cm,
    coalesce(lm.materials, []) AS materials,
    coalesce(lm.materials_raw, []) AS materials_raw,
    CASE WHEN r.n_reviews > 0
         THEN list_transform(r.rating_dist, lambda x: coalesce(x, 0)::DOUBLE) END AS rating_dist,
    coalesce(r.n_reviews, 0)::BIGINT AS n_reviews,
    r.avg_rating::DOUBLE AS avg_rating,
    coalesce(i.image_ids, []) AS image_ids,
    coalesce(i.image_paths, []) AS image_paths,
    len(coalesce(i.image_ids, [])) AS n_images,
    m.sources
FROM merged AS m
LEFT JOIN listing_materials AS lm USING (asin)
LEFT JOIN images AS i USING (asin)
LEFT JOIN reviews AS r USING (asin)
