-- name: listing_materials
-- kind: table
-- description: per ASIN: the seller material strings of all its sources and the matched taxonomy nodes with every ancestor implied (acrylic => thermoplastic => plastic => material)
-- audit: unique(asin)
-- audit: custom(every node is in the taxonomy): SELECT * FROM (SELECT asin, unnest(materials) AS node FROM @this) WHERE node NOT IN (SELECT node FROM material_taxonomy)
--
-- The synthetic root `material` is implied by every match and carries no information: left out.
WITH raw_strings AS (
    SELECT DISTINCT asin, trim(m) AS material_string
    FROM (SELECT asin, unnest(materials_raw) AS m FROM stg_sources)
    WHERE nullif(trim(m), '') IS NOT NULL
),
nodes AS (
    SELECT DISTINCT r.asin, a.ancestor AS node
    FROM raw_strings AS r
    JOIN material_matches AS m ON m.material_string = r.material_string
    JOIN material_ancestors AS a ON a.node = m.node
    JOIN material_taxonomy AS t ON t.node = a.ancestor
    WHERE t.parent IS NOT NULL
)
SELECT
    r.asin,
    list_sort(list_distinct(list(r.material_string))) AS materials_raw,
    coalesce((SELECT list_sort(list(n.node)) FROM nodes AS n WHERE n.asin = r.asin), []) AS materials
FROM raw_strings AS r
GROUP BY r.asin
