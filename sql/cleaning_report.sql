-- name: cleaning_report
-- kind: view
-- description: how each source's prices and measures parsed: (source, field, note, records, example raw text); notes other than ok/absent/empty are values set to NULL with the reason
SELECT source, 'price' AS field, price_note AS note, count(*) AS records,
       NULL::VARCHAR AS example
FROM stg_sources
GROUP BY ALL
UNION ALL
SELECT source, 'mass', mass_note, count(*), min(mass_text)
FROM stg_measures
GROUP BY ALL
UNION ALL
SELECT source, 'package_mass', package_mass_note, count(*), NULL
FROM stg_measures
GROUP BY ALL
UNION ALL
SELECT source, 'dimensions', dims_note, count(*), NULL
FROM stg_measures
GROUP BY ALL
ORDER BY field, source, note
