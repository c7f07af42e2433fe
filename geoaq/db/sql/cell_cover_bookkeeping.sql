-- One row per layer that has a cell cover (geoaq.spatialjoin): what it was built from, so an
-- unchanged layer reuses its cover and a changed one (rows, keys or geometries) rebuilds it.
CREATE TABLE IF NOT EXISTS cell_covers (
    layer                TEXT NOT NULL,       -- one row each (cell_cover_forget, then record)
    cover_table          TEXT NOT NULL,
    key_columns          JSON NOT NULL,
    cell_deg             DOUBLE NOT NULL,
    builder_version      INTEGER NOT NULL,
    source_rows          BIGINT NOT NULL,
    source_checksum      UBIGINT,
    source_max_ingest_id BIGINT,
    source_max_loaded_at TIMESTAMP,
    cover_rows           BIGINT NOT NULL,
    build_seconds        DOUBLE NOT NULL,
    built_at             TIMESTAMP NOT NULL
)
