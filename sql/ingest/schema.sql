-- Raw tables and ingest bookkeeping (docs/contracts.md section 2). Idempotent.
-- Not a transform: the transform engine only reads sql/*.sql at top level.
CREATE TABLE IF NOT EXISTS raw_ucsd2018_meta (source_file VARCHAR NOT NULL, line_no BIGINT NOT NULL, record JSON NOT NULL);
CREATE TABLE IF NOT EXISTS raw_ucsd2018_reviews (source_file VARCHAR NOT NULL, line_no BIGINT NOT NULL, record JSON NOT NULL);
CREATE TABLE IF NOT EXISTS raw_amazon2023_meta (source_file VARCHAR NOT NULL, line_no BIGINT NOT NULL, record JSON NOT NULL);
CREATE TABLE IF NOT EXISTS raw_amazon2023_reviews (source_file VARCHAR NOT NULL, line_no BIGINT NOT NULL, record JSON NOT NULL);
CREATE TABLE IF NOT EXISTS raw_spapi_items (source_file VARCHAR NOT NULL, line_no BIGINT NOT NULL, record JSON NOT NULL);
CREATE TABLE IF NOT EXISTS raw_image2mass (
    asin VARCHAR, title VARCHAR, weight_lb VARCHAR, length_in VARCHAR, width_in VARCHAR,
    height_in VARCHAR, image_url VARCHAR, source_file VARCHAR NOT NULL, line_no BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS raw_images (
    image_id VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ingest_files (
    source_file VARCHAR PRIMARY KEY, sha256 VARCHAR, bytes BIGINT, raw_table VARCHAR NOT NULL,
    lines_read BIGINT NOT NULL, rows_ingested BIGINT NOT NULL, rows_rejected BIGINT NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS ingest_rejects (
    source_file VARCHAR NOT NULL, line_no BIGINT, raw_text VARCHAR, reason VARCHAR NOT NULL);
