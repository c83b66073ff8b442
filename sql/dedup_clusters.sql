-- name: dedup_clusters
-- kind: table
-- description: duplicate clusters (connected components of dedup_pairs) over every listing that passed filtering; cluster id = smallest ASIN in the component, a listing without pairs is its own cluster; the most complete member is kept
-- audit: not_null(asin, cluster, completeness)
-- audit: unique(asin)
-- audit: custom(one kept member per cluster): SELECT cluster FROM @this GROUP BY cluster HAVING count(*) FILTER (WHERE is_kept) <> 1
--
-- Components: min-label propagation as a recursive CTE. Each node starts with the smallest of
-- itself and its neighbours; each round, the nodes reached in the last round pass their label on
-- and every receiving node takes the smallest incoming label. UNION (set semantics) stops when
-- no new (asin, label) appears; a node's cluster is the smallest label it ever received, which
-- is the smallest ASIN of its component. Stars (exact groups) converge in one round.
-- Kept member: most attributes filled (title, brand, product type, category, price, mass, package
-- mass, dimensions, materials, ratings, features, description, images), then more images, more
-- reviews, then the smallest ASIN, so the choice is deterministic.
WITH RECURSIVE edges AS (
    SELECT asin_a AS a, asin_b AS b FROM dedup_pairs
    UNION
    SELECT asin_b AS a, asin_a AS b FROM dedup_pairs
),
labels (asin, label) AS (
    SELECT a, min(least(a, b)) FROM edges GROUP BY a
    UNION
    SELECT e.b, min(w.label)
    FROM labels AS w JOIN edges AS e ON e.a = w.asin
    GROUP BY e.b
),
components AS (
    SELECT asin, min(label) AS cluster FROM labels GROUP BY asin
),
survivors AS (
    SELECT
        j.*,
        (j.title IS NOT NULL)::INT + (j.brand IS NOT NULL)::INT + (j.product_type IS NOT NULL)::INT
        + (len(j.category_path) > 0)::INT + (j.price_usd IS NOT NULL)::INT
        + (j.mass_kg IS NOT NULL)::INT + (j.package_mass_kg IS NOT NULL)::INT
        + (j.height_cm IS NOT NULL)::INT + (len(j.materials) > 0)::INT + (j.n_reviews > 0)::INT
        + (length(j.listing_text) > length(coalesce(j.title, '')) + 1)::INT + (j.n_images > 0)::INT
            AS completeness
    FROM listings_joined AS j
    WHERE j.asin NOT IN (SELECT asin FROM filter_decisions)
)
SELECT
    s.asin,
    coalesce(c.cluster, s.asin) AS cluster,
    count(*) OVER (PARTITION BY coalesce(c.cluster, s.asin)) AS cluster_size,
    s.completeness,
    row_number() OVER (PARTITION BY coalesce(c.cluster, s.asin)
                       ORDER BY s.completeness DESC, s.n_images DESC, s.n_reviews DESC, s.asin) = 1
        AS is_kept
FROM survivors AS s
LEFT JOIN components AS c USING (asin)
