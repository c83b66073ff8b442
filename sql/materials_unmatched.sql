-- name: materials_unmatched
-- kind: view
-- description: seller material parts that matched no taxonomy node, with how many listings use them and an example string, for curating the taxonomy
SELECT
    m.part,
    count(DISTINCT s.asin) AS n_listings,
    min(m.material_string) AS example
FROM material_matches AS m
JOIN (SELECT asin, unnest(materials_raw) AS material_string FROM stg_sources) AS s
    ON trim(s.material_string) = m.material_string
WHERE m.node IS NULL
GROUP BY m.part
ORDER BY n_listings DESC, m.part
