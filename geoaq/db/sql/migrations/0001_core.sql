-- Core bookkeeping tables. Layer tables are created from the registry (layers/*.toml).
-- Written for both backends (geoaq.db.backend): no PRIMARY KEY, UNIQUE, CHECK, SEQUENCE or
-- INDEX, which DuckLake does not have; keys are kept by the code that writes (natural-key
-- merges inside a transaction), numbers come from the counters table (0006).
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at  TIMESTAMP NOT NULL
);

-- One row per successful load (a failed load leaves no trace: it is rolled back).
CREATE TABLE IF NOT EXISTS ingest_runs (
    ingest_id     BIGINT NOT NULL,
    layer         TEXT NOT NULL,
    source_file   TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    file_format   TEXT NOT NULL,
    encoding      TEXT,
    source_crs    TEXT NOT NULL,
    rows_read     BIGINT NOT NULL,
    inserted      BIGINT NOT NULL,
    updated       BIGINT NOT NULL,
    unchanged     BIGINT NOT NULL,
    repaired      BIGINT NOT NULL,
    rejected_rows BIGINT NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    seconds       DOUBLE NOT NULL,
    options       JSON
);

-- Every rejected value with its reason; a row with several problems has several entries.
CREATE TABLE IF NOT EXISTS rejects (
    reject_id   BIGINT NOT NULL,
    ingest_id   BIGINT NOT NULL,
    layer       TEXT NOT NULL,
    source_file TEXT NOT NULL,
    row_number  BIGINT NOT NULL,
    column_name TEXT,
    value       TEXT,
    reason      TEXT NOT NULL,
    rejected_at TIMESTAMP NOT NULL
);

-- Which registry definition each layer table was last brought in line with.
CREATE TABLE IF NOT EXISTS layer_tables (
    layer           TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    columns         JSON NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
