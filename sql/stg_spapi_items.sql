-- name: stg_spapi_items
-- kind: table
-- description: SP-API Catalog Items (2022-04-01), one row per ASIN: title, brand, product type, classification path root->leaf, list price in USD, weights/dimensions as "<value> <unit>" strings, seller materials, images
-- audit: not_null(asin)
-- audit: unique(asin)
-- audit: custom(no negative prices): SELECT * FROM @this WHERE price_usd < 0
--
-- SP-API records carry no descriptions, features (bullet points only sometimes) or ratings.
-- A list price in another currency than USD is dropped (price_note 'currency:<code>'): we do not
-- convert currencies. classifications hold the chain leaf -> parent -> ... -> root; we reverse it.
WITH parsed AS (
    -- parse each record ONCE into the parts we use (sub-documents stay JSON and are small)
    SELECT
        source_file,
        line_no,
        unnest(json_transform(record, '{"asin": "VARCHAR", "attributes": "JSON",
            "productTypes": "JSON", "classifications": "JSON", "images": "JSON",
            "summaries": "JSON"}'))
    FROM raw_spapi_items
),
latest AS (
    SELECT * REPLACE (trim(asin) AS asin)
    FROM parsed
    WHERE nullif(trim(asin), '') IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY trim(asin) ORDER BY source_file DESC, line_no DESC) = 1
),
attributes AS (
    SELECT
        *,
        unnest(json_transform(attributes, '{"item_name": "JSON", "brand": "JSON",
            "bullet_point": "JSON", "item_weight": "JSON", "item_package_weight": "JSON",
            "item_dimensions": "JSON", "item_package_dimensions": "JSON", "list_price": "JSON",
            "material": "JSON"}'))
    FROM latest
),
fields AS (
    SELECT
        asin,
        source_file,
        line_no,
        coalesce(item_name ->> '$[0].value', summaries ->> '$[0].itemName') AS title,
        coalesce(brand ->> '$[0].value', summaries ->> '$[0].brand') AS brand,
        productTypes ->> '$[0].productType' AS product_type,
        coalesce(json_extract_string(bullet_point, '$[*].value'), []) AS features,
        -- the leaf classification and its parent chain, up to 8 levels (Amazon's tree is <= 6)
        list_reverse(list_filter(json_extract_string(classifications, [
            '$[0].classifications[0].displayName',
            '$[0].classifications[0].parent.displayName',
            '$[0].classifications[0].parent.parent.displayName',
            '$[0].classifications[0].parent.parent.parent.displayName',
            '$[0].classifications[0].parent.parent.parent.parent.displayName',
            '$[0].classifications[0].parent.parent.parent.parent.parent.displayName',
            '$[0].classifications[0].parent.parent.parent.parent.parent.parent.displayName',
            '$[0].classifications[0].parent.parent.parent.parent.parent.parent.parent.displayName'
        ]), lambda s: nullif(trim(s), '') IS NOT NULL)) AS category,
        try_cast(list_price ->> '$[0].value' AS DOUBLE) AS list_price,
        upper(coalesce(list_price ->> '$[0].currency', 'USD')) AS currency,
        json_type(list_price) AS price_type,
        -- structured measures become "<value> <unit>" strings so that stg_measures applies one
        -- set of unit rules to every source
        (item_weight ->> '$[0].value') || ' ' || (item_weight ->> '$[0].unit') AS item_weight_text,
        (item_package_weight ->> '$[0].value') || ' ' || (item_package_weight ->> '$[0].unit')
            AS package_weight_text,
        json_extract_string(item_dimensions, [
            '$[0].length.value', '$[0].length.unit', '$[0].width.value', '$[0].width.unit',
            '$[0].height.value', '$[0].height.unit']) AS d,
        json_extract_string(item_package_dimensions, [
            '$[0].length.value', '$[0].length.unit', '$[0].width.value', '$[0].width.unit',
            '$[0].height.value', '$[0].height.unit']) AS pd,
        coalesce(json_extract_string(material, '$[*].value'), []) AS materials_raw,
        coalesce(json_extract_string(images, '$[*].images[*].link'), []) AS image_urls
    FROM attributes
)
SELECT
    asin,
    'spapi' AS source,
    collapse_whitespace(title) AS title,
    list_filter(list_transform(features, lambda s: nullif(trim(s), '')), lambda s: s IS NOT NULL)
        AS features,
    CAST([] AS VARCHAR[]) AS description,
    nullif(trim(brand), '') AS brand,
    nullif(trim(product_type), '') AS product_type,
    list_transform(category, lambda s: trim(s)) AS category_path,
    CASE WHEN currency = 'USD' AND list_price >= 0 THEN list_price END AS price_usd,
    CASE
        WHEN price_type IS NULL THEN 'empty'
        WHEN currency <> 'USD' THEN 'currency:' || currency
        WHEN list_price IS NULL OR list_price < 0 THEN 'unparseable'
        ELSE 'ok'
    END AS price_note,
    item_weight_text,
    package_weight_text,
    -- "13 inches x 2 inches x 2.54 centimeters"; NULL unless all three parts are there
    d[1] || ' ' || d[2] || ' x ' || d[3] || ' ' || d[4] || ' x ' || d[5] || ' ' || d[6]
        AS item_dims_text,
    pd[1] || ' ' || pd[2] || ' x ' || pd[3] || ' ' || pd[4] || ' x ' || pd[5] || ' ' || pd[6]
        AS package_dims_text,
    list_filter(list_transform(materials_raw, lambda s: nullif(trim(s), '')), lambda s: s IS NOT NULL)
        AS materials_raw,
    image_urls,
    source_file,
    line_no
FROM fields
