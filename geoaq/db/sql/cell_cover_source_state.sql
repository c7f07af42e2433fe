-- The state of a polygon layer a cover depends on: rows and a checksum over the key columns
-- and geometries (attribute-only changes do not matter), plus the last load for the record.
-- {keys}: the key columns.
SELECT
    count(*) AS source_rows,
    bit_xor(hash({keys}, geom)) AS source_checksum,
    max(ingest_id) AS source_max_ingest_id,
    max(loaded_at) AS source_max_loaded_at
FROM {layer}
