-- Scheduled feeds (geoaq.feeds): one row per request a feed run made, written when the request
-- is done (a run killed half-way leaves nothing here; the next run asks again). No keys,
-- sequences or indexes (DuckLake has none): a run is named by a UUID it makes itself.
CREATE TABLE IF NOT EXISTS feed_runs (
    run_id          TEXT NOT NULL,       -- the run (a UUID); its requests share it
    feed            TEXT NOT NULL,       -- firms | cnemc
    source          TEXT,                -- FIRMS: VIIRS_SNPP_NRT, …, MODIS_NRT; cnemc: live
    first_day       DATE,                -- FIRMS: the first UTC day asked (the DATE of the request)
    day_range       INTEGER,             -- FIRMS: the days asked from first_day (DAY_RANGE, 1-5)
    hour_bjt        TIMESTAMP,           -- cnemc: the hour asked (Beijing time, end of the hour)
    url             TEXT,                -- what was asked, any key masked
    run_started_utc TIMESTAMP NOT NULL,  -- when the run began (UTC)
    started_utc     TIMESTAMP NOT NULL,  -- when this request began (UTC)
    finished_utc    TIMESTAMP NOT NULL,  -- when it was done: loaded, found empty or failed (UTC)
    status          TEXT NOT NULL,       -- ok | empty | failed | waiting | missing | deferred
    rows_read       BIGINT,              -- data rows in the file
    new_rows        BIGINT,              -- rows stored for the first time
    changed_rows    BIGINT,              -- stored rows the file changed
    rejected_rows   BIGINT,              -- rows with a reject (geoaq rejects)
    transactions    INTEGER NOT NULL,    -- what the request counts against a rate limit
    ingest_id       BIGINT,              -- the load in ingest_runs, when one was made
    error           TEXT,                -- why it failed, waits or was deferred
    runner          TEXT                 -- host and process that ran it
);
