-- name: dedup_pairs
-- kind: table
-- description: duplicate pairs among listings that passed filtering: embedding candidates (dedup_candidates) at or above the modality's threshold, plus exact title matches and identical image content (same sha256 in raw_images)
-- audit: not_null(asin_a, asin_b, modality, similarity)
-- audit: custom(ordered pairs): SELECT * FROM @this WHERE asin_a >= asin_b
--
-- Thresholds come from seeds/params.csv (dedup_text_min_similarity, dedup_image_min_similarity):
-- re-running with other values rebuilds the clusters; nothing is deleted upstream. Listings with
-- identical image bytes are linked as a star to their smallest ASIN (enough for connected
-- components); same-title pairs only where mass and price agree (see title_pairs). A group larger
-- than dedup_max_exact_group is a generic placeholder image or a generic title, not one product:
-- it links nothing.
WITH params AS (
    SELECT
        max(CASE WHEN name = 'dedup_text_min_similarity' THEN value::DOUBLE END) AS text_min,
        max(CASE WHEN name = 'dedup_image_min_similarity' THEN value::DOUBLE END) AS image_min,
        max(CASE WHEN name = 'dedup_max_exact_group' THEN value::INTEGER END) AS max_group
    FROM read_csv('seeds/params.csv', header = true, all_varchar = true)
),
survivors AS (
    SELECT asin, title, mass_kg, price_usd FROM listings_joined
    WHERE asin NOT IN (SELECT asin FROM filter_decisions)
),
embedding_pairs AS (
    SELECT
        least(c.asin_a, c.asin_b) AS asin_a,
        greatest(c.asin_a, c.asin_b) AS asin_b,
        c.modality,
        max(c.similarity) AS similarity,
        CASE c.modality WHEN 'text' THEN p.text_min WHEN 'image' THEN p.image_min
                        ELSE greatest(p.text_min, p.image_min) END AS threshold,
        max(c.embedding_version) AS candidate_source_version
    FROM dedup_candidates AS c, params AS p
    WHERE c.asin_a <> c.asin_b
      AND c.asin_a IN (SELECT asin FROM survivors)
      AND c.asin_b IN (SELECT asin FROM survivors)
    GROUP BY ALL
),
titles AS (
    SELECT asin, mass_kg, price_usd, lower(trim(regexp_replace(title, '\s+', ' ', 'g'))) AS norm_title
    FROM survivors
),
title_groups AS (
    SELECT norm_title FROM titles GROUP BY norm_title
    HAVING count(*) BETWEEN 2 AND (SELECT max_group FROM params)
),
title_pairs AS (
    -- one title is shared by different variants (sizes, pack counts) and by different products
    -- of one brand: a same-title pair counts only when mass and price do not disagree (ratio
    -- under 1.1 where both are known) and at least one of them agrees
    SELECT asin_a, asin_b, 'exact_title' AS modality, 1.0 AS similarity,
           1.0 AS threshold, 'exact_title' AS candidate_source_version
    FROM (
        -- NULL where either side lacks the value (greatest/least would skip a NULL)
        SELECT a.asin AS asin_a, b.asin AS asin_b,
               CASE WHEN a.mass_kg > 0 AND b.mass_kg > 0
                    THEN greatest(a.mass_kg, b.mass_kg) / least(a.mass_kg, b.mass_kg) END
                   AS mass_ratio,
               CASE WHEN a.price_usd > 0 AND b.price_usd > 0
                    THEN greatest(a.price_usd, b.price_usd) / least(a.price_usd, b.price_usd) END
                   AS price_ratio
        FROM titles AS a
        JOIN titles AS b ON a.norm_title = b.norm_title AND a.asin < b.asin
        WHERE a.norm_title IN (SELECT norm_title FROM title_groups)
    )
    WHERE coalesce(mass_ratio < 1.1, TRUE) AND coalesce(price_ratio < 1.1, TRUE)
      AND (mass_ratio < 1.1 OR price_ratio < 1.1)
),
image_hashes AS (
    SELECT DISTINCT i.asin, r.sha256
    FROM stg_images AS i
    JOIN raw_images AS r USING (image_id)
    WHERE i.asin IN (SELECT asin FROM survivors) AND r.sha256 IS NOT NULL
),
image_pairs AS (
    SELECT g.first_asin AS asin_a, h.asin AS asin_b, 'image_sha256' AS modality, 1.0 AS similarity,
           1.0 AS threshold, 'raw_images.sha256' AS candidate_source_version
    FROM image_hashes AS h
    JOIN (SELECT sha256, min(asin) AS first_asin FROM image_hashes GROUP BY sha256
          HAVING count(DISTINCT asin) BETWEEN 2 AND (SELECT max_group FROM params)) AS g
        USING (sha256)
    WHERE h.asin <> g.first_asin
)
SELECT asin_a, asin_b, modality, similarity, threshold, candidate_source_version
FROM embedding_pairs WHERE similarity >= threshold
UNION ALL
SELECT DISTINCT * FROM title_pairs
UNION ALL
SELECT DISTINCT * FROM image_pairs
