-- Record a peer table's period: name, start, end, source file, sha256, rows, synthetic, loaded_by, ingest id.
INSERT INTO peer_tables (table_name, period_start, period_end, source_file, file_sha256, rows, synthetic,
    loaded_by, ingest_id, loaded_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())
