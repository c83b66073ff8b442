-- Content version of every raw table: a hash over its files' keys and content hashes. The
-- image index is hashed from its own rows (its ingest_files entry holds only a cheap
-- name/size/mtime fingerprint of the folder).
SELECT raw_table,
       sha256(coalesce(string_agg(source_file || ':' || coalesce(sha256, 'unreadable'), chr(10)
                                  ORDER BY source_file), '')) AS version
FROM ingest_files
WHERE raw_table <> 'raw_images'
GROUP BY raw_table
UNION ALL
SELECT 'raw_images',
       sha256(coalesce(string_agg(image_id || ':' || path || ':' || sha256, chr(10)
                                  ORDER BY path), ''))
FROM raw_images
