-- <space>_embedding: the latest vector per asin from an embedding export, restricted to kept
-- listings and joined with the listing columns neighbour search filters and shows.
-- Placeholders: {embeddings} (a read_parquet call), {attributes} (the listing_attributes
-- export), {dim} (vector dimension), {model} (the model column or NULL).
WITH latest AS (
    SELECT *
    FROM {embeddings}
    QUALIFY row_number() OVER (PARTITION BY asin ORDER BY event_timestamp DESC NULLS LAST) = 1
)
SELECT
    CAST(e.asin AS VARCHAR) AS asin,
    CAST(e.vector AS FLOAT[{dim}]) AS vector,
    CAST({model} AS VARCHAR) AS model,
    a.title, a.brand, a.product_type, a.category, a.price_usd, a.mass_kg,
    a.avg_rating, a.n_reviews, a.split
FROM latest AS e
JOIN {attributes} AS a ON a.asin = e.asin
