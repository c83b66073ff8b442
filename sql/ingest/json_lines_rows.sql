-- Staged records and rejects of one JSON-lines file, read by the commit step.
-- Good records are all lines not in _ingest_bad, kept whole as JSON (unknown fields are kept).
CREATE OR REPLACE TEMP VIEW _ingest_rows AS
SELECT i.line_no, i.line::JSON AS record
FROM _ingest_input AS i ANTI JOIN _ingest_bad AS b ON i.line_no = b.line_no;
CREATE OR REPLACE TEMP VIEW _ingest_rej AS
SELECT line_no, line AS raw_text, reason FROM _ingest_bad;
