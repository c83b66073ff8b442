-- name: stg_reviews
-- kind: table
-- description: every review of both formats in one shape (asin, source, stars 1..5, review text), the unit for rating distributions and review embeddings
-- audit: not_null(asin, stars)
-- audit: accepted_values(stars: 1, 2, 3, 4, 5)
-- audit: custom(positive copies): SELECT * FROM @this WHERE copies < 1
--
-- UCSD 2018: `overall` (1..5) + `summary` + `reviewText`, keyed by `asin`.
-- Amazon 2023: `rating` + `title` + `text`, keyed by `parent_asin` (= the catalogue ASIN; the
-- review's own `asin` is a variation). Ratings outside 1..5 or not numbers are dropped here.
-- `copies` counts identical reviews (same ASIN, stars and text) within one dump.
WITH ucsd AS (
    SELECT
        trim(record ->> '$.asin') AS asin,
        'ucsd2018' AS source,
        try_cast(record ->> '$.overall' AS DOUBLE) AS rating,
        concat_ws('. ', nullif(trim(record ->> '$.summary'), ''),
                  nullif(trim(record ->> '$.reviewText'), '')) AS review_text
    FROM raw_ucsd2018_reviews
),
a2023 AS (
    SELECT
        trim(coalesce(record ->> '$.parent_asin', record ->> '$.asin')) AS asin,
        'amazon2023' AS source,
        try_cast(record ->> '$.rating' AS DOUBLE) AS rating,
        concat_ws('. ', nullif(trim(record ->> '$.title'), ''),
                  nullif(trim(record ->> '$.text'), '')) AS review_text
    FROM raw_amazon2023_reviews
),
all_reviews AS (
    SELECT * FROM ucsd
    UNION ALL
    SELECT * FROM a2023
),
counted AS (
    SELECT asin, source, round(rating)::INTEGER AS stars, nullif(review_text, '') AS review_text,
           count(*) AS n
    FROM all_reviews
    WHERE nullif(asin, '') IS NOT NULL AND rating BETWEEN 1 AND 5
    GROUP BY ALL
)
-- the same review in both dumps counts once: a (asin, stars, text) seen n1 times in one source and
-- n2 times in the other stands for max(n1, n2) reviews
SELECT asin, min(source) AS source, stars, review_text, max(n) AS copies
FROM counted
GROUP BY asin, stars, review_text
