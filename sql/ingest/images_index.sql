-- The image index staged from _ingest_images_hashed(path, sha256, bytes, reason), hashed by
-- ingest_images.py: image_id = the file name before its first '.'; images that could not be
-- read are rejects (raw_text = their path).
CREATE OR REPLACE TEMP VIEW _ingest_rows AS
SELECT split_part(parse_filename(path), '.', 1) AS image_id, path, sha256, bytes
FROM _ingest_images_hashed WHERE reason IS NULL;
CREATE OR REPLACE TEMP VIEW _ingest_rej AS
SELECT NULL::BIGINT AS line_no, path AS raw_text, reason
FROM _ingest_images_hashed WHERE reason IS NOT NULL;
