-- The verification workflow between county and city (geoaq.fires.workflow): a county submits
-- the result of its field check of an event, or proposes a correction of its county/township;
-- the city approves (the event's status changes, naming the city's account) or sends it back
-- with a reason. Both tables are append-only: nothing is overwritten. No keys (DuckLake).
CREATE TABLE IF NOT EXISTS fire_event_submissions (
    submission_id        BIGINT NOT NULL,
    event_id             TEXT NOT NULL,
    kind                 TEXT NOT NULL,      -- field_check / correction
    outcome              TEXT,               -- field_check: burning_confirmed / not_a_fire /
                                             -- industrial_heat_source / outside_jurisdiction
    county_adcode        TEXT,               -- correction: the county and township proposed
    township_adcode      TEXT,
    note                 TEXT,
    submitted_by         TEXT NOT NULL,
    submitted_by_account BIGINT NOT NULL,
    submitted_by_role    TEXT NOT NULL,
    submitted_from       TEXT,
    submitted_at         TIMESTAMP NOT NULL  -- Beijing time
);

CREATE TABLE IF NOT EXISTS fire_event_reviews (
    review_id           BIGINT NOT NULL,
    submission_id       BIGINT NOT NULL,
    decision            TEXT NOT NULL,       -- approved / returned
    reason              TEXT,                -- why it was sent back (or a note on approval)
    change_id           BIGINT,              -- the status change an approval made
    reviewed_by         TEXT NOT NULL,
    reviewed_by_account BIGINT NOT NULL,
    reviewed_by_role    TEXT NOT NULL,
    reviewed_from       TEXT,
    reviewed_at         TIMESTAMP NOT NULL   -- Beijing time
);
