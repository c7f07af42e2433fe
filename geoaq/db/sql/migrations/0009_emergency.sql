-- 重污染天气应急 (geoaq.emergency). No keys, sequences or indexes (DuckLake has none):
-- geoaq.emergency merges on the natural keys named here inside one transaction.

-- Versions of the emission-reduction list (应急减排清单): natural key (list_year, effective_from).
-- A version's rows are the last file loaded for it (a load that changes anything rewrites them
-- in the file's order; loading the same file again writes nothing).
CREATE TABLE IF NOT EXISTS emergency_lists (
    list_year      TEXT NOT NULL,       -- 清单年度 as the bureau writes it ("2024—2025年秋冬季")
    effective_from DATE NOT NULL,       -- the day this version takes effect (Beijing)
    source_file    TEXT NOT NULL,       -- the file last loaded for it
    file_sha256    TEXT NOT NULL,
    rows           BIGINT NOT NULL,
    synthetic      BOOLEAN NOT NULL,    -- every row of it is demo data
    ingest_id      BIGINT NOT NULL,
    loaded_at      TIMESTAMP NOT NULL
);

-- One row per enterprise or production line of a version: natural key
-- (list_year, effective_from, row_key); row_key = enterprise_key || '|' || line.
CREATE TABLE IF NOT EXISTS emergency_list_rows (
    list_year       TEXT NOT NULL,
    effective_from  DATE NOT NULL,
    row_key         TEXT NOT NULL,
    row_hash        TEXT NOT NULL,      -- of every value below and the row's measures
    enterprise_key  TEXT NOT NULL,      -- 统一社会信用代码 or enterprise_id, as the list gives it
    enterprise_name TEXT NOT NULL,
    county          TEXT,
    industry        TEXT,
    line            TEXT NOT NULL,      -- 生产线/工序; '' for the whole enterprise
    grade           TEXT,               -- 绩效分级 as kept (the rules' spelling), NULL: none given
    falsified       BOOLEAN NOT NULL,   -- 弄虚作假: graded as emergency.toml's falsified_grade
    ule             TEXT,               -- 超低排放 state the list gives, if any
    so2             DOUBLE NOT NULL,    -- annual emissions, t/a
    nox             DOUBLE NOT NULL,
    pm              DOUBLE NOT NULL,
    vocs            DOUBLE NOT NULL,
    contact         TEXT,
    phone           TEXT,
    extra           JSON,               -- the file's other columns
    synthetic       BOOLEAN NOT NULL,
    source_file     TEXT NOT NULL,      -- the file (and sheet) the row was read from
    source_row      BIGINT NOT NULL,    -- its row there, as a spreadsheet numbers it
    position        BIGINT NOT NULL,    -- its place in the file (sheets in the workbook's order)
    ingest_id       BIGINT NOT NULL,
    loaded_at       TIMESTAMP NOT NULL
);

-- The measure of each row at each warning level (一厂一策): natural key
-- (list_year, effective_from, row_key, level). The measure's text as written; cuts in t/a as
-- the list gives them (NULL: not given, so geoaq.emergency.measures derives or asks for them).
CREATE TABLE IF NOT EXISTS emergency_list_measures (
    list_year      TEXT NOT NULL,
    effective_from DATE NOT NULL,
    row_key        TEXT NOT NULL,
    level          TEXT NOT NULL,       -- III / II / I
    measure        TEXT,
    cut_so2        DOUBLE,
    cut_nox        DOUBLE,
    cut_pm         DOUBLE,
    cut_vocs       DOUBLE
);

-- Warnings (预警): every change is a new revision, nothing is overwritten; the current state
-- of a warning is its highest revision. Natural key (warning_id, revision).
CREATE TABLE IF NOT EXISTS emergency_warnings (
    warning_id  TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    area        TEXT NOT NULL,          -- the city, or a county of admin_units
    level       TEXT NOT NULL,          -- III / II / I
    start_at    TIMESTAMP NOT NULL,     -- Beijing time
    end_at      TIMESTAMP NOT NULL,
    issued_by   TEXT NOT NULL,          -- the issuing authority (重污染天气应急指挥部 …)
    document    TEXT,                   -- 文号
    note        TEXT,
    status      TEXT NOT NULL,          -- issued / cancelled
    recorded_by TEXT NOT NULL,          -- who entered this revision
    recorded_at TIMESTAMP NOT NULL,
    synthetic   BOOLEAN NOT NULL,
    source_file TEXT,                   -- a loaded file, NULL when entered on the page or CLI
    source_row  BIGINT
);

-- Inspection findings during a warning (检查结果): natural key
-- (warning_id, enterprise_key, line, inspected_at).
CREATE TABLE IF NOT EXISTS emergency_inspections (
    warning_id     TEXT NOT NULL,
    enterprise_key TEXT NOT NULL,
    line           TEXT NOT NULL,
    inspected_at   TIMESTAMP NOT NULL,  -- Beijing time
    result         TEXT NOT NULL,       -- compliant / violation / unable
    inspector      TEXT NOT NULL,
    finding        TEXT,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMP NOT NULL,
    synthetic      BOOLEAN NOT NULL,
    source_file    TEXT,
    source_row     BIGINT
);
