-- name: stg_amazon2023_meta
-- kind: table
-- description: Amazon Reviews 2023 metadata, one row per ASIN (= parent_asin): texts cleaned, price in USD, details (dict or JSON string) unpacked into raw measure strings
-- audit: not_null(asin)
-- audit: unique(asin)
-- audit: custom(no negative prices): SELECT * FROM @this WHERE price_usd < 0
--
-- The 2023 dump keys products by `parent_asin`, which is the ASIN the other sources use.
-- `price` is a number (USD) or null; a string price is parsed like UCSD's ("$x", ranges -> midpoint).
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
        CASE WHEN json_type(features) = 'ARRAY' THEN json_extract_string(features, '$[*]')
             ELSE [] END AS features,
        CASE WHEN json_type(description) = 'ARRAY' THEN json_extract_string(description, '$[*]')
             WHEN json_type(description) = 'VARCHAR' THEN [description ->> '$'] ELSE [] END
            AS description,
        CASE WHEN json_type(categories) = 'ARRAY' THEN json_extract_string(categories, '$[*]')
             ELSE [] END AS category,
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
        CASE WHEN json_type(details_json) = 'OBJECT'
             THEN list_transform(
                 map_entries(json_transform(details_json, '"MAP(VARCHAR, VARCHAR)"')),
                 lambda e: {'key': lower(trim(regexp_replace(e.key, '[\s:]+', ' ', 'g'))),
                            'value': trim(e.value)})
             ELSE [] END AS details,
        regexp_extract_all(price_text, '([0-9][0-9,]*(?:\.[0-9]+)?)', 1) AS price_numbers
    FROM fields
),
cleaned AS (
    -- same cleaning as UCSD: strip tags, decode entities, collapse whitespace
    SELECT
        *,
        list_transform(list_concat([title], [brand], features, description, category),
            lambda s: nullif(trim(regexp_replace(
                CASE
                    -- most strings hold no tag and no entity: skip the decoding work for them
                    WHEN NOT regexp_matches(s, '[<&]') THEN s
                    ELSE list_reduce(
                        list_prepend(
                            replace(replace(replace(replace(replace(replace(
                                regexp_replace(s, '<[^>]*>', ' ', 'g'),
                                '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'),
                                '&apos;', ''''), '&amp;', '&'),
                            regexp_extract_all(s, '&#([0-9]{1,6});', 1)),
                        lambda acc, n: replace(acc, '&#' || n || ';', chr(n::INTEGER)))
                END,
                '\s+', ' ', 'g')), '')) AS texts,
        len(features) AS n_features,
        len(description) AS n_description
    FROM details
)
SELECT
    asin,
    'amazon2023' AS source,
    texts[1] AS title,
    list_filter(texts[3:2 + n_features], lambda s: s IS NOT NULL) AS features,
    list_filter(texts[3 + n_features:2 + n_features + n_description], lambda s: s IS NOT NULL)
        AS description,
    texts[2] AS brand,
    CAST(NULL AS VARCHAR) AS product_type,
    list_filter(texts[3 + n_features + n_description:], lambda s: s IS NOT NULL) AS category_path,
    CASE
        WHEN price_type IN ('DOUBLE', 'UBIGINT', 'BIGINT') THEN price_text::DOUBLE
        WHEN len(price_numbers) = 1 THEN replace(price_numbers[1], ',', '')::DOUBLE
        WHEN len(price_numbers) = 2 AND price_text LIKE '%-%'
            THEN (replace(price_numbers[1], ',', '')::DOUBLE
                  + replace(price_numbers[2], ',', '')::DOUBLE) / 2
    END AS price_usd,
    CASE
        WHEN price_type IS NULL OR price_type = 'NULL' OR price_text = '' THEN 'empty'
        WHEN price_type IN ('DOUBLE', 'UBIGINT', 'BIGINT') OR len(price_numbers) = 1 THEN 'ok'
        WHEN len(price_numbers) = 2 AND price_text LIKE '%-%' THEN 'range'
        ELSE 'unparseable'
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
FROM cleaned
