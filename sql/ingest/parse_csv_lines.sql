-- Parse the data lines (after the header, line 1) of one CSV file staged in
-- _ingest_input(line_no, line, pre_reason): RFC 4180 fields on a single line ("" escapes a
-- quote; an unquoted empty field is NULL). A record spanning lines is not supported: its
-- pieces are rejected. $n_fields: the number of fields the header has.
CREATE OR REPLACE TEMP TABLE _ingest_csv_parsed AS
WITH split AS (
    SELECT line_no, line, pre_reason,
           regexp_full_match(line, '(?:"(?:[^"]|"")*"|[^,"]*)(?:,(?:"(?:[^"]|"")*"|[^,"]*))*')
               AS well_quoted,
           list_transform(
               regexp_extract_all(line, '(?:^|,)("(?:[^"]|"")*"|[^,"]*)', 1),
               lambda f: CASE WHEN f = '' THEN NULL
                              WHEN f[1] = '"' THEN replace(f[2:-2], '""', '"')
                              ELSE f END) AS fields
    FROM _ingest_input
    WHERE line_no > 1
)
SELECT line_no, line, fields,
       CASE
           WHEN pre_reason IS NOT NULL THEN pre_reason
           WHEN well_quoted AND len(fields) = $n_fields THEN NULL
           WHEN line IS NULL OR trim(line) = '' THEN 'empty line'
           WHEN NOT well_quoted THEN 'malformed CSV quoting'
           ELSE 'expected ' || $n_fields || ' fields, got ' || len(fields)
       END AS reason
FROM split
