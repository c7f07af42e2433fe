-- Record a list version: list_year, effective_from, source file, sha256, rows, synthetic, ingest id.
INSERT INTO emergency_lists (list_year, effective_from, source_file, file_sha256, rows, synthetic,
    ingest_id, loaded_at)
VALUES (?, ?, ?, ?, ?, ?, ?, now())
