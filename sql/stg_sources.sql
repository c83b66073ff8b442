-- name: stg_sources
-- kind: view
-- description: every source's cleaned record in one shape (asin, source, texts, price, raw measure strings, categories, materials, image URLs)
SELECT * FROM stg_ucsd2018_meta
UNION ALL BY NAME
SELECT * FROM stg_amazon2023_meta
UNION ALL BY NAME
SELECT * FROM stg_spapi_items
UNION ALL BY NAME
SELECT * FROM stg_image2mass
