-- Peer tables (geoaq.rankings.peers): the rankings a province or the ministry publishes, as
-- loaded from their Excel/CSV files. No keys, sequences or indexes (DuckLake has none): a load
-- replaces the rows of its natural key (table_name, period_start, period_end) inside one
-- transaction that claims the peer tables.
CREATE TABLE IF NOT EXISTS peer_tables (
    table_name    TEXT NOT NULL,       -- the name a load gives it (全国168个重点城市, 河南省县（市、区）)
    period_start  DATE NOT NULL,       -- the period it ranks (Beijing days, inclusive)
    period_end    DATE NOT NULL,
    source_file   TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    rows          BIGINT NOT NULL,
    synthetic     BOOLEAN NOT NULL,    -- 演示数据
    loaded_by     TEXT,
    ingest_id     BIGINT NOT NULL,
    loaded_at     TIMESTAMP NOT NULL
);

-- One row per peer of a table: natural key (table_name, period_start, period_end, position).
CREATE TABLE IF NOT EXISTS peer_rows (
    table_name      TEXT NOT NULL,
    period_start    DATE NOT NULL,
    period_end      DATE NOT NULL,
    position        BIGINT NOT NULL,   -- its place in the file (1, 2 …)
    name            TEXT NOT NULL,     -- as the table writes it (洛阳 / 洛阳市)
    composite_index DOUBLE,            -- 综合指数
    pm25            DOUBLE,            -- µg/m³
    pm10            DOUBLE,            -- µg/m³
    o3              DOUBLE,            -- µg/m³ (O3-8h 90th percentile)
    no2             DOUBLE,            -- µg/m³
    so2             DOUBLE,            -- µg/m³
    co              DOUBLE,            -- mg/m³ (95th percentile)
    good_day_ratio  DOUBLE,            -- %
    published_rank  BIGINT,            -- the rank the table prints
    source_row      BIGINT NOT NULL,   -- its row in the file, as a spreadsheet numbers it
    ingest_id       BIGINT NOT NULL
);
