-- name: stg_images
-- kind: table
-- description: image ids per (asin, source) in listing order; image id = basename of the URL before the first '.', so size variants (._SS40_) of one image collapse
-- audit: not_null(asin, image_id)
-- audit: unique(asin, source, image_id)
WITH urls AS (
    SELECT asin, source, unnest(image_urls) AS url, generate_subscripts(image_urls, 1) AS pos
    FROM stg_sources
),
ids AS (
    SELECT asin, source, pos, nullif(regexp_extract(url, '([^/.]+)[^/]*$', 1), '') AS image_id
    FROM urls
    WHERE url IS NOT NULL
)
SELECT asin, source, image_id, min(pos) AS pos
FROM ids
WHERE image_id IS NOT NULL
GROUP BY ALL
