-- name: review_texts
-- kind: view
-- description: review texts of kept listings (asin, review_text), one row per distinct review, for review embeddings
SELECT r.asin, r.review_text
FROM stg_reviews AS r
WHERE r.review_text IS NOT NULL AND r.asin IN (SELECT asin FROM listings)
