-- name: material_matches
-- kind: table
-- description: seller material strings (distinct, lower-cased) split into parts and matched to taxonomy nodes by synonym (exact) or pattern (regex); one row per (part, node), node NULL when the part matched nothing
-- audit: not_null(material_string, part)
--
-- Cleaning: lower-case, drop percentages ("100% Cotton", "65%"), split compounds on / , ; & +
-- "and" "with" ("Polyester/Spandex", "cotton, polyester"). Patterns also run over the whole
-- string, so a pattern that spans a separator ("18/8") still matches. Matching runs once per
-- distinct string, not per listing: seller strings repeat a lot.
WITH strings AS (
    SELECT DISTINCT m AS material_string
    FROM (SELECT unnest(materials_raw) AS m FROM stg_sources)
    WHERE nullif(trim(m), '') IS NOT NULL
),
normalised AS (
    SELECT
        material_string,
        trim(regexp_replace(regexp_replace(lower(material_string), '[0-9]+(\.[0-9]+)?\s*%', ' ', 'g'),
                            '\s+', ' ', 'g')) AS whole
    FROM strings
),
parts AS (
    SELECT DISTINCT material_string, whole, trim(part) AS part
    FROM (
        SELECT material_string, whole,
               unnest(regexp_split_to_array(whole, '\s*(?:/|,|;|&|\+|\band\b|\bwith\b)\s*')) AS part
        FROM normalised
    )
    WHERE trim(part) <> ''
),
synonyms AS (
    SELECT node, unnest(list_concat(synonyms, [replace(node, '_', ' ')])) AS synonym
    FROM material_taxonomy
),
patterns AS (
    -- Each pattern's longest run of characters every match must contain (escapes, classes,
    -- groups and optional/repeated characters removed), used as a cheap contains() prefilter:
    -- DuckDB compiles a pattern that comes from a table once per row, so the regex runs only on
    -- the few (part, pattern) pairs that share the literal.
    SELECT
        node,
        pattern,
        list_reduce(list_prepend('', regexp_split_to_array(
            regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(pattern,
                '\\.', '#', 'g'),            -- escapes: \b \s \. ...
                '\[[^\]]*\]', '#', 'g'),     -- character classes
                '\([^)]*\)', '#', 'g'),      -- groups (with their alternations)
                '.[?*+]', '#', 'g'),          -- optional or repeated characters
                '.\{[^}]*\}', '#', 'g'),      -- counted repetitions
            '[#.^$|()\[\]{}]')),
            lambda a, b: CASE WHEN length(b) > length(a) THEN b ELSE a END) AS literal
    FROM (SELECT node, unnest(patterns) AS pattern FROM material_taxonomy)
),
distinct_parts AS (
    SELECT DISTINCT part FROM parts
),
pattern_candidates AS (
    SELECT d.part, t.node, t.pattern
    FROM distinct_parts AS d JOIN patterns AS t ON contains(d.part, t.literal)
),
pattern_hits AS (
    SELECT part, node FROM pattern_candidates WHERE regexp_matches(part, pattern)
),
part_hits AS (
    SELECT p.material_string, p.part, s.node, 'synonym' AS matched_by
    FROM parts AS p JOIN synonyms AS s ON s.synonym = p.part
    UNION
    SELECT p.material_string, p.part, h.node, 'pattern' AS matched_by
    FROM parts AS p JOIN pattern_hits AS h USING (part)
),
whole_candidates AS (
    -- patterns spanning a separator ("18/8 stainless") only match the whole string
    SELECT n.material_string, n.whole AS part, t.node, t.pattern
    FROM normalised AS n JOIN patterns AS t ON contains(n.whole, t.literal)
    WHERE n.whole NOT IN (SELECT part FROM parts WHERE parts.material_string = n.material_string)
),
whole_hits AS (
    SELECT material_string, part, node, 'pattern' AS matched_by
    FROM whole_candidates WHERE regexp_matches(part, pattern)
),
hits AS (
    SELECT * FROM part_hits
    UNION
    SELECT * FROM whole_hits
)
SELECT material_string, part, node, min(matched_by) AS matched_by
FROM hits
GROUP BY ALL
UNION ALL
-- parts that matched nothing, kept (node NULL) for the materials_unmatched report
SELECT p.material_string, p.part, NULL AS node, NULL AS matched_by
FROM parts AS p
WHERE NOT EXISTS (SELECT 1 FROM hits AS h WHERE h.material_string = p.material_string AND h.part = p.part)
  AND NOT EXISTS (SELECT 1 FROM whole_hits AS w WHERE w.material_string = p.material_string)
