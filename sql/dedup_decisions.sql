-- name: dedup_decisions
-- kind: table
-- description: one row per member of every duplicate cluster with more than one member: kept or dropped, the kept ASIN, and the strongest pair that links it (similarity, modality, threshold, candidate source version)
-- audit: not_null(asin, kept_asin, cluster, decision)
-- audit: unique(asin)
-- audit: accepted_values(decision: 'keep', 'drop')
WITH members AS (
    SELECT c.asin, c.cluster, k.asin AS kept_asin, c.is_kept
    FROM dedup_clusters AS c
    JOIN dedup_clusters AS k ON k.cluster = c.cluster AND k.is_kept
    WHERE c.cluster_size > 1
),
links AS (
    SELECT asin_a AS asin, asin_b AS other, modality, similarity, threshold, candidate_source_version
    FROM dedup_pairs
    UNION ALL
    SELECT asin_b, asin_a, modality, similarity, threshold, candidate_source_version FROM dedup_pairs
),
best_link AS (
    -- prefer a direct link to the kept member, then the strongest link
    SELECT
        m.asin,
        arg_max({'similarity': l.similarity, 'modality': l.modality, 'threshold': l.threshold,
                 'version': l.candidate_source_version},
                [(l.other = m.kept_asin)::INT, l.similarity]) AS link
    FROM members AS m
    JOIN links AS l ON l.asin = m.asin
    GROUP BY m.asin
)
SELECT
    m.asin,
    m.kept_asin,
    m.cluster,
    CASE WHEN m.is_kept THEN 'keep' ELSE 'drop' END AS decision,
    b.link.similarity AS similarity,
    b.link.modality AS modality,
    b.link.threshold AS threshold,
    b.link.version AS candidate_source_version
FROM members AS m
LEFT JOIN best_link AS b USING (asin)
