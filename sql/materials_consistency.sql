-- name: materials_consistency
-- kind: table
-- description: material probability per (asin, taxonomy node) made consistent with the taxonomy: every parent lies between its most likely child and min(1, sum of its children); provenance kept from material_probs, adjusted marks changed values
-- audit: not_null(asin, node, probability, provenance)
-- audit: custom(probability outside [0, 1]): SELECT * FROM @this WHERE probability < 0 OR probability > 1
-- audit: custom(duplicate asin and node): SELECT asin, node, count(*) AS n FROM @this GROUP BY asin, node HAVING count(*) > 1
-- audit: custom(parent outside [max(children), min(1, sum(children))]): SELECT p.asin, p.node, p.probability, k.child_max, k.child_sum FROM @this AS p JOIN (SELECT c.asin, nullif(trim(t.parent), '') AS node, max(c.probability) AS child_max, sum(c.probability) AS child_sum FROM @this AS c JOIN read_csv('seeds/materials_taxonomy.csv', header = true, all_varchar = true) AS t ON trim(t.node) = c.node WHERE nullif(trim(t.parent), '') IS NOT NULL GROUP BY c.asin, nullif(trim(t.parent), '')) AS k ON k.asin = p.asin AND k.node = p.node WHERE p.probability < k.child_max - 1e-9 OR p.probability > least(1.0, k.child_sum) + 1e-9
-- Iterative passes over the taxonomy levels (D = deepest level), carried as `step`:
--  * steps 0 .. D-1 go up: the pass at level L = D - step raises every node at depth L-1 to
--    at least its most likely child (a likely subtype implies its parent);
--  * steps D .. 2D-1 go down: the pass at level L = step - D makes the children of every node
--    at depth L sum to at least the node (children scaled up proportionally, capped at 1, or
--    spread evenly when all are 0), expanding a likely parent into a distribution over its
--    subtypes. Values only grow, and a scaled child never exceeds its parent, so after the
--    last pass every parent lies in [max(children), min(1, sum(children))].
-- A parent may stay below the sum of its children: an object can hold several subtypes.
WITH RECURSIVE
  taxonomy AS (
    SELECT trim(node) AS node, nullif(trim(parent), '') AS parent
    FROM read_csv('seeds/materials_taxonomy.csv', header = true, all_varchar = true)
  ),
  depths (node, depth) AS (
    SELECT node, 0 FROM taxonomy WHERE parent IS NULL
    UNION ALL
    SELECT t.node, d.depth + 1 FROM taxonomy AS t JOIN depths AS d ON t.parent = d.node
  ),
  probs AS (
    SELECT p.asin, p.node, t.parent, d.depth, p.provenance,
           CAST(p.probability AS DOUBLE) AS input_probability,
           greatest(0.0, least(1.0, CAST(p.probability AS DOUBLE))) AS probability
    FROM material_probs AS p
    JOIN taxonomy AS t ON t.node = p.node
    JOIN depths AS d ON d.node = p.node
  ),
  passes (step, deepest, asin, node, parent, depth, provenance, input_probability,
          probability) AS (
    SELECT 0, (SELECT max(depth) FROM depths), asin, node, parent, depth, provenance,
           input_probability, probability
    FROM probs
    UNION ALL
    SELECT step + 1, deepest, asin, node, parent, depth, provenance, input_probability,
           CASE
             WHEN going_up AND depth = level - 1 AND child_max IS NOT NULL
               THEN greatest(probability, child_max)
             WHEN NOT going_up AND depth = level + 1 AND parent_p > child_sum
               THEN CASE WHEN child_sum > 0 THEN least(1.0, probability * parent_p / child_sum)
                         ELSE parent_p / n_children END
             ELSE probability
           END
    FROM (
      SELECT *,
             max(probability) FILTER (WHERE depth = child_level) OVER family AS child_max,
             sum(probability) FILTER (WHERE depth = child_level) OVER family AS child_sum,
             count(*) FILTER (WHERE depth = child_level) OVER family AS n_children,
             max(probability) FILTER (WHERE depth = child_level - 1) OVER family AS parent_p
      FROM (
        SELECT *, step < deepest AS going_up,
               CASE WHEN step < deepest THEN deepest - step ELSE step - deepest END AS level,
               CASE WHEN step < deepest THEN deepest - step ELSE step - deepest + 1 END
                 AS child_level
        FROM passes
        WHERE step < 2 * deepest
      ) AS staged
      WINDOW family AS (PARTITION BY asin,
                        CASE WHEN depth = child_level THEN parent ELSE node END)
    ) AS scored
  )
SELECT asin, node, probability, provenance,
       abs(probability - input_probability) > 1e-12 AS adjusted
FROM passes
WHERE step = 2 * deepest
