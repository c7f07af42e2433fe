-- Rejected values, newest load first; `?` = layer name or NULL for all layers.
SELECT r.layer, r.source_file, r.row_number, r.column_name, r.value, r.reason,
       r.ingest_id, r.rejected_at
FROM rejects AS r
WHERE ?::TEXT IS NULL OR r.layer = ?::TEXT
ORDER BY r.ingest_id DESC, r.row_number, r.reject_id
