-- name: material_ancestors
-- kind: table
-- description: the taxonomy's transitive closure: (node, ancestor, distance), each node its own ancestor at distance 0; acrylic => thermoplastic => plastic => material
-- audit: unique(node, ancestor)
-- audit: relationships(ancestor -> material_taxonomy.node)
WITH RECURSIVE closure (node, ancestor, distance) AS (
    SELECT node, node, 0 FROM material_taxonomy
    UNION ALL
    SELECT c.node, t.parent, c.distance + 1
    FROM closure AS c
    JOIN material_taxonomy AS t ON t.node = c.ancestor
    WHERE t.parent IS NOT NULL AND c.distance < 20
)
SELECT node, ancestor, distance FROM closure
