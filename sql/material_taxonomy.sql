-- name: material_taxonomy
-- kind: table
-- description: the materials taxonomy seed (one row per node: parent, depth, synonym list, regex list) with each node's depth from the root
-- audit: not_null(node)
-- audit: unique(node)
-- audit: custom(every parent is a node): SELECT * FROM @this WHERE parent IS NOT NULL AND parent NOT IN (SELECT node FROM @this)
-- audit: custom(one root): SELECT count(*) AS roots FROM @this WHERE parent IS NULL HAVING count(*) <> 1
-- audit: custom(no cycles): SELECT * FROM @this WHERE depth IS NULL
WITH RECURSIVE seed AS (
    SELECT
        lower(trim(node)) AS node,
        nullif(lower(trim(parent)), '') AS parent,
        list_filter(list_transform(string_split(coalesce(synonyms, ''), '|'), lambda s: lower(trim(s))),
                    lambda s: s <> '') AS synonyms,
        list_filter(string_split(coalesce(patterns, ''), '|'), lambda s: trim(s) <> '') AS patterns
    FROM read_csv('seeds/materials_taxonomy.csv', header = true, all_varchar = true)
),
depths (node, depth) AS (
    SELECT node, 0 FROM seed WHERE parent IS NULL
    UNION ALL
    SELECT s.node, d.depth + 1 FROM seed AS s JOIN depths AS d ON s.parent = d.node
    WHERE d.depth < 20
)
SELECT s.node, s.parent, d.depth, s.synonyms, s.patterns
FROM seed AS s
LEFT JOIN depths AS d USING (node)
