-- name: decisions
-- kind: table
-- description: every dropped ASIN with the rule that dropped it and the evidence (filtering rules and duplicates), stamped with this transform's fingerprint
-- audit: not_null(asin, rule, evidence, transform_fingerprint)
-- audit: unique(asin, rule)
-- audit: accepted_values(rule: 'no_title', 'no_image', 'non_physical', 'piggyback', 'no_mass_materials_category', 'text_image_mismatch', 'duplicate')
SELECT asin, rule, evidence, @fingerprint AS transform_fingerprint
FROM filter_decisions
UNION ALL
SELECT
    asin,
    'duplicate' AS rule,
    'duplicate of ' || kept_asin || ' (cluster ' || cluster || ', ' || coalesce(modality, '?')
        || ' similarity ' || coalesce(round(similarity, 4)::VARCHAR, '?') || ' >= '
        || coalesce(threshold::VARCHAR, '?') || ', candidates ' || coalesce(candidate_source_version, '?')
        || '); kept the most complete member' AS evidence,
    @fingerprint AS transform_fingerprint
FROM dedup_decisions
WHERE decision = 'drop'
