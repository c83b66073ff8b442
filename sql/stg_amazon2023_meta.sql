-- name: stg_amazon2023_meta
-- kind: table
-- description: Amazon Reviews 2023 metadata, one row per ASIN (= parent_asin): texts cleaned, price in USD, details (dict or JSON string) unpacked into raw measure strings
-- audit: not_null(asin)
-- audit: unique(asin)
-- audit: custom(no negative prices): SELECT * FROM @this WHERE price_usd < 0
--
-- The 2023 dump keys products by `parent_asin`, which is the ASIN the other sources use.
-- `price` is a number (USD) or null; a string price is parsed like UCSD's ("$x", ranges -> midpoint).
-- Texts are cleaned like UCSD's, with the shared macros of sql/macros/.
WITH parsed AS (
    -- parse each record ONCE into the fields we use (sub-documents stay JSON)
    SELECT
        source_file,
        line_no,
        unnest(json_transform(record, '{"parent_asin": "VARCHAR", "asin": "VARCHAR",
            "title": "VARCHAR", "store": "VARCHAR", "brand": "VARCHAR", "price": "JSON",
            "features": "JSON", "description": "JSON", "categories": "JSON", "details": "JSON",
            "images": "JSON"}'))
    FROM raw_amazon2023_meta
),
latest AS (
    SELECT * EXCLUDE (asin), trim(coalesce(parent_asin, asin)) AS asin
    FROM parsed
    WHERE nullif(trim(coalesce(parent_asin, asin)), '') IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY trim(coalesce(parent_asin, asin))
                               ORDER BY source_file DESC, line_no DESC) = 1
),
fields AS (
    SELECT
        asin,
        source_file,
        line_no,
        title,
        json_string_list(features) AS features,
        json_string_or_list(description) AS description,
        json_string_list(categories) AS category,
        coalesce(store, brand) AS brand,
        json_type(price) AS price_type,
        trim(coalesce(price ->> '$', '')) AS price_text,
        -- details: a dict in most files, the same dict as a JSON *string* in others
        CASE json_type(details)
            WHEN 'OBJECT' THEN details
            WHEN 'VARCHAR' THEN
                CASE WHEN json_valid(details ->> '$') THEN CAST(details ->> '$' AS JSON) END
        END AS details_json,
        -- images: a list of {thumb, large, hi_res, variant}; every size names the same image
        CASE WHEN json_type(images) = 'ARRAY'
             THEN list_concat(json_extract_string(images, '$[*].hi_res'),
                              json_extract_string(images, '$[*].large'),
                              json_extract_string(images, '$[*].thumb'))
             ELSE [] END AS image_urls
    FROM latest
),
details AS (
    SELECT
        *,
        details_entries(details_json) AS details,
        regexp_extract_all(price_text, '([0-9][0-9,]*(?:\.[0-9]+)?)', 1) AS price_numbers
    FROM fields
)
SELECT
    asin,
    'amazon2023' AS source,
    clean_html_text(title) AS title,
    clean_html_list(features) AS features,
    clean_html_list(description) AS description,
    clean_html_text(brand) AS brand,
    CAST(NULL AS VARCHAR) AS product_type,
    clean_html_list(category) AS category_path,
    CASE
        WHEN price_type IN ('DOUBLE', 'UBIGINT', 'BIGINT') THEN price_text::DOUBLE
        ELSE price_from_numbers(price_numbers, price_text)
    END AS price_usd,
    CASE
        WHEN price_type IS NULL OR price_type = 'NULL' OR price_text = '' THEN 'empty'
        WHEN price_type IN ('DOUBLE', 'UBIGINT', 'BIGINT') THEN 'ok'
        ELSE price_note_from_numbers(price_numbers, price_text)
    END AS price_note,
    nullif(list_filter(details, lambda e: e.key = 'item weight')[1].value, '') AS item_weight_text,
    nullif(list_filter(details, lambda e: e.key IN ('package weight', 'shipping weight'))[1].value, '')
        AS package_weight_text,
    nullif(list_filter(details, lambda e: e.key IN ('product dimensions', 'item dimensions'))[1].value, '')
        AS item_dims_text,
    nullif(list_filter(details, lambda e: e.key = 'package dimensions')[1].value, '')
        AS package_dims_text,
    list_transform(list_filter(details, lambda e: e.key IN ('material', 'material type', 'materials')
                                                  AND nullif(e.value, '') IS NOT NULL),
                   lambda e: e.value) AS materials_raw,
    image_urls,
    source_file,
    line_no
FROM details
