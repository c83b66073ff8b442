-- name: splits
-- kind: table
-- description: train / validation / test / calibration per kept listing, assigned deterministically by a hash of the duplicate cluster id
-- audit: not_null(asin, split)
-- audit: unique(asin)
-- audit: accepted_values(split: 'train', 'validation', 'test', 'calibration')
-- audit: custom(held-out items are complete): SELECT * FROM @this WHERE split IN ('validation', 'test') AND NOT is_complete
--
-- Paper 3.1: validation and test come only from complete items (price, mass, materials, category
-- and ratings all present, more than one image, more than one review) and, with "more aggressive
-- duplicate detection", never from a listing that has an embedding candidate pair with a kept
-- listing of another cluster at similarity >= split_heldout_min_similarity, which is below the
-- dedup thresholds (closer pairs were merged into one cluster, of which one member is kept).
-- Sizes scale with the data: each of validation, test and calibration gets
-- split_heldout_share of all listings, but at least split_min_heldout when the data allows
-- (seeds/params.csv). Items are taken in the order of an md5 hash of their cluster id, which is
-- stable across runs, DuckDB versions and machines: the same data always gives the same split,
-- and a cluster (duplicates included) never straddles two splits.
WITH params AS (
    SELECT
        max(CASE WHEN name = 'split_min_heldout' THEN value::DOUBLE END) AS min_heldout,
        max(CASE WHEN name = 'split_heldout_share' THEN value::DOUBLE END) AS share,
        max(CASE WHEN name = 'split_heldout_min_similarity' THEN value::DOUBLE END) AS near_min
    FROM read_csv('seeds/params.csv', header = true, all_varchar = true)
),
near_pairs AS (
    -- candidate pairs between kept listings of different clusters that are close enough to
    -- keep both ends out of validation/test (dropped duplicates are in no split at all)
    SELECT c.asin_a AS asin, c.asin_b AS other
    FROM dedup_candidates AS c, params AS p
    WHERE c.similarity >= p.near_min
),
near AS (
    SELECT n.asin
    FROM (SELECT asin, other FROM near_pairs UNION ALL SELECT other, asin FROM near_pairs) AS n
    JOIN dedup_clusters AS a ON a.asin = n.asin AND a.is_kept
    JOIN dedup_clusters AS b ON b.asin = n.other AND b.is_kept
    WHERE a.cluster <> b.cluster
),
kept AS (
    SELECT
        c.asin,
        c.cluster,
        (j.price_usd IS NOT NULL AND j.mass_kg IS NOT NULL AND len(j.materials) > 0
         AND len(j.category_path) > 0 AND j.n_reviews > 1 AND j.n_images > 1) AS is_complete,
        c.asin NOT IN (SELECT asin FROM near) AS is_isolated,
        (md5_number(c.cluster) % 1000000)::DOUBLE / 1000000 AS u,
        (md5_number('calibration:' || c.cluster) % 1000000)::DOUBLE / 1000000 AS u_cal
    FROM dedup_clusters AS c
    JOIN listings_joined AS j USING (asin)
    WHERE c.is_kept
),
sizes AS (
    -- validation and test each take at most 45% of the eligible items; calibration at most a
    -- fifth of the rest
    SELECT
        least(greatest(p.min_heldout, p.share * count(*)),
              floor(0.45 * count(*) FILTER (WHERE is_complete AND is_isolated))) AS k_heldout,
        least(greatest(p.min_heldout, p.share * count(*)), floor(0.2 * count(*))) AS k_calibration
    FROM kept, params AS p
    GROUP BY p.min_heldout, p.share
),
heldout AS (
    -- eligible items in hash order: the first k are validation, the next k test
    SELECT asin,
           row_number() OVER (ORDER BY u, cluster) AS heldout_rank
    FROM kept
    WHERE is_complete AND is_isolated
),
assigned AS (
    SELECT
        k.*,
        CASE WHEN h.heldout_rank <= s.k_heldout THEN 'validation'
             WHEN h.heldout_rank <= 2 * s.k_heldout THEN 'test' END AS heldout_split
    FROM kept AS k
    LEFT JOIN heldout AS h USING (asin)
    CROSS JOIN sizes AS s
),
calibration AS (
    SELECT asin, row_number() OVER (ORDER BY u_cal, cluster) AS calibration_rank
    FROM assigned
    WHERE heldout_split IS NULL
)
SELECT
    a.asin,
    a.cluster,
    a.is_complete,
    coalesce(a.heldout_split,
             CASE WHEN c.calibration_rank <= s.k_calibration THEN 'calibration' ELSE 'train' END)
        AS split
FROM assigned AS a
LEFT JOIN calibration AS c USING (asin)
CROSS JOIN sizes AS s
