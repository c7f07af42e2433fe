-- The record of a layer's cover: what it was built from and when (no row: never built).
SELECT cover_table, key_columns, cell_deg, builder_version, source_rows, source_checksum,
       cover_rows, build_seconds, built_at
FROM cell_covers
WHERE layer = ?
