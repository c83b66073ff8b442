-- name: stg_ucsd2018_meta
-- kind: table
-- description: UCSD Amazon 2018 metadata, one row per ASIN: HTML stripped, entities decoded, price in USD, raw measure strings pulled from details/tech1
-- audit: not_null(asin)
-- audit: unique(asin)
-- audit: custom(no negative prices): SELECT * FROM @this WHERE price_usd < 0
--
-- Prices: "$12.99" -> 12.99; a range "$5.99 - $12.99" -> its MIDPOINT (9.49), noted 'range';
-- "" -> NULL noted 'empty'; anything else (CSS garbage) -> NULL noted 'unparseable'.
-- Weights and dimensions stay strings here; stg_measures parses every source's strings with
-- one set of unit rules. "Shipping Weight" is the PACKAGE weight, never the item weight.
-- Texts are cleaned with the shared macros (sql/macros/): tags stripped, entities decoded
-- (named and numeric), whitespace collapsed, empty strings dropped.
WITH parsed AS (
    -- parse each record ONCE into the fields we use (sub-documents stay JSON); one ->> per field
    -- would re-parse the whole record every time
    SELECT
        source_file,
        line_no,
        unnest(json_transform(record, '{"asin": "VARCHAR", "title": "VARCHAR", "brand": "VARCHAR",
            "price": "VARCHAR", "feature": "JSON", "description": "JSON", "category": "JSON",
            "details": "JSON", "tech1": "VARCHAR", "tech2": "VARCHAR", "image": "JSON",
            "imageURL": "JSON", "imageURLHighRes": "JSON"}'))
    FROM raw_ucsd2018_meta
),
latest AS (
    -- the same ASIN can appear in several category files: the last line read wins
    SELECT * REPLACE (trim(asin) AS asin)
    FROM parsed
    WHERE nullif(trim(asin), '') IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY trim(asin) ORDER BY source_file DESC, line_no DESC) = 1
),
fields AS (
    SELECT
        asin,
        source_file,
        line_no,
        title,
        json_string_list(feature) AS features,
        json_string_or_list(description) AS description,
        json_string_list(category) AS category,
        brand,
        trim(coalesce(price, '')) AS price_text,
        -- details keys are messy ("\n    Product Dimensions: \n    "): normalise them
        details_entries(details) AS details,
        -- tech1/tech2 are raw HTML spec tables: <tr><td>Item Weight</td><td>1.2 pounds</td></tr>
        coalesce(tech1, '') || ' ' || coalesce(tech2, '') AS tech,
        -- images come as `image` in some files and `imageURL` + `imageURLHighRes` in others
        list_concat(json_string_list(image), json_string_list(imageURLHighRes),
                    json_string_list(imageURL)) AS image_urls
    FROM latest
),
spec AS (
    SELECT
        *,
        -- one value per spec name: first from the tech1 table, else from details
        coalesce(
            nullif(regexp_extract(tech, '(?i)>\s*Item Weight\s*</td>\s*<td[^>]*>\s*([^<]+)', 1), ''),
            list_filter(details, lambda e: e.key = 'item weight')[1].value,
            -- "7.8 x 7.8 x 1.8 inches ; 4 ounces": the part after ';' is the item weight
            nullif(regexp_extract(
                list_filter(details, lambda e: e.key IN ('product dimensions', 'item dimensions'))[1].value,
                ';\s*(.+)$', 1), '')) AS item_weight_text,
        coalesce(
            list_filter(details, lambda e: e.key IN ('shipping weight', 'package weight'))[1].value,
            nullif(regexp_extract(tech, '(?i)>\s*(?:Shipping|Package) Weight\s*</td>\s*<td[^>]*>\s*([^<]+)', 1), ''))
            AS package_weight_text,
        coalesce(
            nullif(regexp_extract(tech, '(?i)>\s*(?:Product|Item) Dimensions\s*</td>\s*<td[^>]*>\s*([^<]+)', 1), ''),
            list_filter(details, lambda e: e.key IN ('product dimensions', 'item dimensions'))[1].value)
            AS dims_text,
        coalesce(
            list_filter(details, lambda e: e.key = 'package dimensions')[1].value,
            nullif(regexp_extract(tech, '(?i)>\s*Package Dimensions\s*</td>\s*<td[^>]*>\s*([^<]+)', 1), ''))
            AS package_dims_text,
        list_concat(
            list_filter([nullif(regexp_extract(tech, '(?i)>\s*Materials?(?: Type)?\s*</td>\s*<td[^>]*>\s*([^<]+)', 1), '')],
                        lambda m: nullif(trim(m), '') IS NOT NULL),
            list_transform(list_filter(details, lambda e: e.key IN ('material', 'material type', 'materials')),
                           lambda e: e.value)) AS materials_text,
        regexp_extract_all(price_text, '\$\s*([0-9][0-9,]*(?:\.[0-9]+)?)', 1) AS price_numbers
    FROM fields
)
SELECT
    asin,
    'ucsd2018' AS source,
    clean_html_text(title) AS title,
    clean_html_list(features) AS features,
    clean_html_list(description) AS description,
    clean_html_text(brand) AS brand,
    CAST(NULL AS VARCHAR) AS product_type,
    clean_html_list(category) AS category_path,
    price_from_numbers(price_numbers, price_text) AS price_usd,
    price_note_from_numbers(price_numbers, price_text) AS price_note,
    nullif(trim(item_weight_text), '') AS item_weight_text,
    nullif(trim(package_weight_text), '') AS package_weight_text,
    nullif(trim(dims_text), '') AS item_dims_text,
    nullif(trim(package_dims_text), '') AS package_dims_text,
    list_transform(materials_text, lambda m: trim(m)) AS materials_raw,
    image_urls,
    source_file,
    line_no
FROM spec
