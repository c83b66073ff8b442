-- Clear one source file's bookkeeping before its staged rows are inserted (run inside one
-- transaction by ingest_store.commit_file, which also clears the file's raw rows and then
-- inserts _ingest_rows and _ingest_rej). $source_file: the file's key.
DELETE FROM ingest_rejects WHERE source_file = $source_file;
DELETE FROM ingest_files WHERE source_file = $source_file;
