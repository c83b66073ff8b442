-- name: stg_image2mass
-- kind: table
-- description: image2mass listings, one row per ASIN: title, weight (pounds) and dimensions (inches) as "<value> <unit>" strings, one image
-- audit: not_null(asin)
-- audit: unique(asin)
--
-- image2mass has no descriptions, categories, ratings or prices; exactly one image per listing.
SELECT
    trim(asin) AS asin,
    'image2mass' AS source,
    collapse_whitespace(title) AS title,
    CAST([] AS VARCHAR[]) AS features,
    CAST([] AS VARCHAR[]) AS description,
    CAST(NULL AS VARCHAR) AS brand,
    CAST(NULL AS VARCHAR) AS product_type,
    CAST([] AS VARCHAR[]) AS category_path,
    CAST(NULL AS DOUBLE) AS price_usd,
    'empty' AS price_note,
    nullif(trim(weight_lb), '') || ' pounds' AS item_weight_text,
    CAST(NULL AS VARCHAR) AS package_weight_text,
    nullif(trim(length_in), '') || ' inches x ' || nullif(trim(width_in), '') || ' inches x '
        || nullif(trim(height_in), '') || ' inches' AS item_dims_text,
    CAST(NULL AS VARCHAR) AS package_dims_text,
    CAST([] AS VARCHAR[]) AS materials_raw,
    list_filter([nullif(trim(image_url), '')], lambda s: s IS NOT NULL) AS image_urls,
    source_file,
    line_no
FROM raw_image2mass
WHERE nullif(trim(asin), '') IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY trim(asin) ORDER BY source_file DESC, line_no DESC) = 1
