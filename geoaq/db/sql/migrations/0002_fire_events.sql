-- Fire events: detections of one fire by several satellites/passes grouped into one event
-- (geoaq.fires). Recomputed per Beijing day from fire_points; the ids are stable (derived
-- from the event's first detection), and statuses live in an append-only history.
CREATE TABLE IF NOT EXISTS fire_events (
    event_id       TEXT NOT NULL,
    local_date     DATE NOT NULL,       -- Beijing (UTC+8) date of the detections
    first_utc      TIMESTAMP NOT NULL,
    last_utc       TIMESTAMP NOT NULL,
    lon            DOUBLE NOT NULL,     -- mean position of the detections, WGS-84
    lat            DOUBLE NOT NULL,
    detections     INTEGER NOT NULL,
    satellites     TEXT NOT NULL,       -- e.g. "A,N,T"
    instruments    TEXT NOT NULL,       -- e.g. "MODIS,VIIRS"
    max_confidence TEXT,                -- low / nominal / high
    max_frp        DOUBLE,
    radius_m       DOUBLE NOT NULL,     -- the linking distance used for this event
    computed_at    TIMESTAMP NOT NULL,
    geom           GEOMETRY NOT NULL
);

-- Which detections (fire_points natural key) make up each event.
CREATE TABLE IF NOT EXISTS fire_event_detections (
    event_id   TEXT NOT NULL,
    latitude   DOUBLE NOT NULL,
    longitude  DOUBLE NOT NULL,
    acq_date   DATE NOT NULL,
    acq_time   TEXT NOT NULL,
    satellite  TEXT NOT NULL
);

-- Verification: every change is a new row; nothing is overwritten. The current status of
-- an event is its latest row (view fire_event_status); events without a row are 'suspected'.
CREATE TABLE IF NOT EXISTS fire_event_status_history (
    change_id       BIGINT NOT NULL,
    event_id        TEXT NOT NULL,
    status          TEXT NOT NULL,      -- suspected / verified / dismissed (geoaq.fires.verification)
    dismiss_reason  TEXT,               -- industrial_heat_source / not_a_fire / duplicate / outside_jurisdiction
    county_adcode   TEXT,               -- a user's correction of the attribution, if any
    township_adcode TEXT,
    changed_by      TEXT NOT NULL,
    changed_at      TIMESTAMP NOT NULL,
    note            TEXT,
    carried_from    TEXT                -- set when an event id changed on recomputation
);

CREATE OR REPLACE VIEW fire_event_status AS
SELECT * EXCLUDE (rank_in_event) FROM (
    SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY change_id DESC) AS rank_in_event
    FROM fire_event_status_history
) WHERE rank_in_event = 1;
