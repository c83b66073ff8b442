-- name: filter_decisions
-- kind: table
-- description: every filtering rule an ASIN fails, one row per (asin, rule) with the evidence; an ASIN with any row here is dropped (paper appendix "Filtering and Data Cleaning")
-- audit: not_null(asin, rule, evidence)
-- audit: unique(asin, rule)
-- audit: accepted_values(rule: 'no_title', 'no_image', 'non_physical', 'piggyback', 'no_mass_materials_category', 'text_image_mismatch')
--
-- Rules:
--   no_title / no_image            the listing has no title / no image id in any source
--   non_physical                   title or category path matches the keyword regex below
--                                  (downloads, gift cards, subscriptions: keyword heuristics);
--                                  the evidence is the matched words. The regex is a constant
--                                  in this file on purpose: DuckDB compiles a constant pattern
--                                  once, a pattern from a table once per row (100x slower).
--   piggyback                      piggyback_checks flagged the ASIN (sources disagree on the product)
--   no_mass_materials_category     lacks all three of mass, taxonomy materials and category
--   text_image_mismatch            a mismatch score exists and exceeds
--                                  text_image_mismatch_max_score (seeds/params.csv)
WITH params AS (
    SELECT max(CASE WHEN name = 'text_image_mismatch_max_score' THEN value::DOUBLE END) AS max_mismatch
    FROM read_csv('seeds/params.csv', header = true, all_varchar = true)
),
texts AS (
    SELECT asin, lower(coalesce(title, '') || ' | ' || array_to_string(category_path, ' > ')) AS text
    FROM listings_joined
),
non_physical AS (
    SELECT asin, 'non-physical keywords ' || array_to_string(list_distinct(words), ', ')
                 || ' in "' || text || '"' AS evidence
    FROM (
        SELECT asin, text, regexp_extract_all(text,
            '\b(e-?gift ?cards?|gift ?cards?|antivirus|internet security'
            || '|digital (?:download|code|edition|copy|subscription|access|album)'
            || '|(?:pc|mac|instant|online|software|game|app) ?(?:download|access|code)'
            || '|\[(?:pc|mac|online|digital)[^\]]*\]|e-?books?|kindle (?:edition|store)|audiobook'
            || '|audible|mp3 (?:album|download|music)|subscription|membership|license key'
            || '|activation code|product key|prime video|instant video|digital music'
            || '|streaming (?:video|service|subscription)|e-?mail delivery'
            || '|software|apps? (?:&|and) games)', 0) AS words
        FROM texts
    )
    WHERE len(words) > 0
),
mismatch AS (
    -- latest score per ASIN (the table holds one version at a time, but be safe)
    SELECT asin, arg_max(score, version) AS score, max(version) AS version
    FROM text_image_mismatch
    GROUP BY asin
)
SELECT asin, 'no_title' AS rule, 'no title in sources ' || array_to_string(sources, ',') AS evidence
FROM listings_joined WHERE title IS NULL
UNION ALL
SELECT asin, 'no_image', 'no image URL in sources ' || array_to_string(sources, ',')
FROM listings_joined WHERE n_images = 0
UNION ALL
SELECT asin, 'non_physical', evidence FROM non_physical
UNION ALL
SELECT asin, 'piggyback',
       'title token Jaccard between sources: ' || evidence || '; lowest best overlap '
       || round(min_best_jaccard, 3)::VARCHAR || ' <= threshold; suspect source '
       || coalesce(suspect_source, '?')
FROM piggyback_checks WHERE is_piggyback
UNION ALL
SELECT asin, 'no_mass_materials_category', 'no mass, no matched material, no category'
FROM listings_joined
WHERE mass_kg IS NULL AND len(materials) = 0 AND len(category_path) = 0
UNION ALL
SELECT m.asin, 'text_image_mismatch',
       'score ' || round(m.score, 3)::VARCHAR || ' > ' || p.max_mismatch::VARCHAR || ' (version '
       || m.version || ')'
FROM mismatch AS m, params AS p
WHERE m.score > p.max_mismatch AND m.asin IN (SELECT asin FROM listings_joined)
