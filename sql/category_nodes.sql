-- name: category_nodes
-- kind: table
-- description: the category tree implied by the listings' category paths: one row per node (id = path joined by ' > ', parent id, depth 1 = top category, path, name, listings at or below the node)
-- audit: not_null(id, depth, name, count)
-- audit: unique(id)
-- audit: custom(every parent exists): SELECT * FROM @this WHERE parent IS NOT NULL AND parent NOT IN (SELECT id FROM @this)
-- audit: custom(depth at most 6): SELECT * FROM @this WHERE depth > 6
-- audit: custom(parent one level up): SELECT c.* FROM @this AS c JOIN @this AS p ON p.id = c.parent WHERE p.depth <> c.depth - 1
-- audit: custom(one root per top category): SELECT name FROM @this WHERE depth = 1 GROUP BY name HAVING count(*) > 1
WITH prefixes AS (
    SELECT l.asin, l.category_path[1:d] AS path, d AS depth
    FROM listings AS l, range(1, len(l.category_path) + 1) AS r(d)
)
SELECT
    array_to_string(path, ' > ') AS id,
    CASE WHEN depth > 1 THEN array_to_string(path[1:depth - 1], ' > ') END AS parent,
    depth,
    path,
    path[depth] AS name,
    count(DISTINCT asin) AS count
FROM prefixes
GROUP BY path, depth
