-- What the stored fire events of each Beijing day were computed from (geoaq.fires
-- refresh_events): a hash of the grouping rules and the day's detections (their number and an
-- order-independent hash of the columns grouping and event summaries read). While both are
-- unchanged the stored events are current and refresh_events skips grouping. Written in the
-- same transaction as the events; a day with events but no row (events stored before this
-- table existed) is recomputed once.
CREATE TABLE IF NOT EXISTS fire_event_days (
    local_date       DATE NOT NULL,      -- Beijing (UTC+8) day (one row each)
    rules_hash       TEXT NOT NULL,      -- geoaq.fires.grouping_rules_hash of the rules used
    detections       INTEGER NOT NULL,   -- detections of the day at that time
    detections_hash  UBIGINT NOT NULL,   -- sum of their row hashes modulo 2^64
    events           INTEGER NOT NULL,   -- events stored for the day
    computed_at      TIMESTAMP NOT NULL
);
