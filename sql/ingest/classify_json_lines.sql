-- Find the bad lines of one JSON-lines file (temp view _ingest_input(line_no, line,
-- pre_reason)) with their reasons; every other line is a good record. Only bad lines are
-- materialized. The filter parses each line once (json_valid, then json_type over both
-- paths); the reason, which re-evaluates `types` per branch, is only computed for bad lines.
-- {key}: a string literal (filled in by the caller) naming the field every record must carry
-- as a JSON string (asin or parent_asin).
CREATE OR REPLACE TEMP TABLE _ingest_bad AS
WITH typed AS (
    SELECT line_no, line, pre_reason,
           CASE WHEN pre_reason IS NULL AND json_valid(line)
                THEN json_type(line, ['$', '$."' || {key} || '"']) END AS types
    FROM _ingest_input
), bad AS (
    SELECT * FROM typed WHERE types IS DISTINCT FROM ['OBJECT', 'VARCHAR']
)
SELECT line_no, line,
       CASE
           WHEN pre_reason IS NOT NULL THEN pre_reason
           WHEN types IS NULL AND (line IS NULL OR trim(line) = '') THEN 'empty line'
           WHEN types IS NULL THEN 'invalid JSON'
           WHEN types[1] <> 'OBJECT' THEN 'not a JSON object (got ' || types[1] || ')'
           WHEN types[2] IS NULL THEN 'missing key "' || {key} || '"'
           ELSE '"' || {key} || '" is not a string (got ' || types[2] || ')'
       END AS reason
FROM bad
