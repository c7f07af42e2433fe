-- Every loaded peer table and period, by name then the newest period first.
SELECT table_name, period_start, period_end, source_file, rows, synthetic, loaded_by, ingest_id, loaded_at
FROM peer_tables
ORDER BY table_name, period_end DESC, period_start DESC
