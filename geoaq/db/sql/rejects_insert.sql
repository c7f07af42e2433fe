-- Rejected values of one load (registered Arrow table `incoming_rejects`), numbered from the
-- first reserved reject id. Parameters: first id, ingest_id, layer, source_file.
INSERT INTO rejects
SELECT ?::BIGINT + row_number() OVER () - 1, ?::BIGINT, ?::TEXT, ?::TEXT, row_number,
       column_name, value, reason, now()
FROM incoming_rejects
