-- name: stg_measures
-- kind: table
-- description: per (asin, source): item mass and package mass in kg, item dimensions in cm, parsed from the sources' weight/dimension strings with the units seed
-- audit: unique(asin, source)
-- audit: custom(positive masses): SELECT * FROM @this WHERE mass_kg <= 0 OR package_mass_kg <= 0
--
-- One set of unit rules (seeds/units.csv: alias -> kind, factor to kg or cm) for all sources.
-- A weight string is "<number> <unit>" possibly with trailing noise ("3.2 ounces ("); the first
-- number+unit pair wins. Dimensions are "L x W x H <unit>" or with a unit after each number.
-- A string that does not parse leaves the value NULL and says why in mass_note / dims_note.
WITH units AS (
    SELECT lower(alias) AS alias, kind, factor
    FROM read_csv('seeds/units.csv', header = true,
                  columns = {'alias': 'VARCHAR', 'kind': 'VARCHAR', 'factor': 'DOUBLE'})
),
strings AS (
    SELECT
        asin, source, item_weight_text, package_weight_text, item_dims_text,
        lower(item_weight_text) AS w, lower(package_weight_text) AS pw, lower(item_dims_text) AS d
    FROM stg_sources
),
tokens AS (
    SELECT
        *,
        try_cast(replace(regexp_extract(w, '([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([a-z]+)', 1), ',', '')
                 AS DOUBLE) AS w_value,
        regexp_extract(w, '([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([a-z]+)', 2) AS w_unit,
        try_cast(replace(regexp_extract(pw, '([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([a-z]+)', 1), ',', '')
                 AS DOUBLE) AS pw_value,
        regexp_extract(pw, '([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([a-z]+)', 2) AS pw_unit,
        -- "13 x 2 x 1 inches", "13 inches x 2 inches x 2.54 centimeters", "10 x 5 x 2 in"
        regexp_extract(d, '([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]+)', 1)
            AS d1,
        regexp_extract(d, '([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]+)', 2)
            AS u1,
        regexp_extract(d, '([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]+)', 3)
            AS d2,
        regexp_extract(d, '([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]+)', 4)
            AS u2,
        regexp_extract(d, '([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]+)', 5)
            AS d3,
        regexp_extract(d, '([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]*)\s*x\s*([0-9.]+)\s*([a-z"]+)', 6)
            AS u3
    FROM strings
)
SELECT
    t.asin,
    t.source,
    t.w_value * wu.factor AS mass_kg,
    t.pw_value * pu.factor AS package_mass_kg,
    try_cast(t.d1 AS DOUBLE) * coalesce(l1.factor, l3.factor) AS length_cm,
    try_cast(t.d2 AS DOUBLE) * coalesce(l2.factor, l3.factor) AS width_cm,
    try_cast(t.d3 AS DOUBLE) * l3.factor AS height_cm,
    t.item_weight_text AS mass_text,
    CASE
        WHEN t.item_weight_text IS NULL THEN 'absent'
        WHEN t.w_value IS NULL THEN 'unparseable'
        WHEN wu.factor IS NULL THEN 'unknown unit:' || t.w_unit
        WHEN t.w_value <= 0 THEN 'not positive'
        ELSE 'ok'
    END AS mass_note,
    CASE
        WHEN t.package_weight_text IS NULL THEN 'absent'
        WHEN t.pw_value IS NULL THEN 'unparseable'
        WHEN pu.factor IS NULL THEN 'unknown unit:' || t.pw_unit
        ELSE 'ok'
    END AS package_mass_note,
    CASE
        WHEN t.item_dims_text IS NULL THEN 'absent'
        WHEN t.d3 = '' THEN 'unparseable'
        WHEN l3.factor IS NULL THEN 'unknown unit:' || t.u3
        ELSE 'ok'
    END AS dims_note
FROM tokens AS t
LEFT JOIN units AS wu ON wu.kind = 'mass' AND wu.alias = t.w_unit AND t.w_value > 0
LEFT JOIN units AS pu ON pu.kind = 'mass' AND pu.alias = t.pw_unit AND t.pw_value > 0
LEFT JOIN units AS l1 ON l1.kind = 'length' AND l1.alias = t.u1
LEFT JOIN units AS l2 ON l2.kind = 'length' AND l2.alias = t.u2
LEFT JOIN units AS l3 ON l3.kind = 'length' AND l3.alias = t.u3
