-- Cheap fingerprint of an image folder from file names, sizes and modification times
-- (no content read). $glob: the folder's '**/*.jpg' pattern.
SELECT count(*) AS n_images,
       coalesce(sum(size), 0) AS n_bytes,
       sha256(coalesce(string_agg(filename || ':' || size || ':' || epoch_us(last_modified), chr(10)
                                  ORDER BY filename), '')) AS fingerprint
FROM read_blob($glob)
