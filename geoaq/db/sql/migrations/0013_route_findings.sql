-- Saved inspection routes and the findings inspectors bring back (geoaq.routes.findings). A
-- plan is stored when it is saved (its id is printed on the sheets and in the exported CSV), one
-- row per visited stop naming the team's route, the inspection team it is given to (crew: a
-- team of the inspectors' accounts, account_scopes kind 'team'), the target and the county it
-- lies in. Findings are append-only: a stop's latest finding counts, nothing is overwritten. A
-- finding on a fire event that makes a field-check submission names it (submission_id). No
-- keys (DuckLake); ids from the counters route_plan and route_finding.
CREATE TABLE IF NOT EXISTS route_plans (
    plan_id            BIGINT NOT NULL,
    day                DATE NOT NULL,
    teams              INTEGER NOT NULL,
    stops              INTEGER NOT NULL,
    method             TEXT,
    saved_by           TEXT NOT NULL,
    saved_by_account   BIGINT NOT NULL,
    saved_by_role      TEXT NOT NULL,
    saved_from         TEXT,
    saved_at           TIMESTAMP NOT NULL     -- Beijing time
);

CREATE TABLE IF NOT EXISTS route_plan_stops (
    plan_id        BIGINT NOT NULL,
    team           TEXT NOT NULL,             -- the route's name in the plan (第1组 …)
    crew           TEXT,                      -- the inspection team it is given to
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL,             -- fire_event, coal_user, emergency_stop, …
    target_id      TEXT NOT NULL,             -- FE-…, ENT-…, MINE-…, PICK-…
    ref_layer      TEXT,                      -- fire_events / enterprises / mines (none for a picked point)
    ref_id         TEXT,                      -- the event id, enterprise id or mine id
    name           TEXT,
    lon            DOUBLE NOT NULL,
    lat            DOUBLE NOT NULL,
    county_adcode  TEXT,                      -- the county the stop lies in (admin_units)
    arrival        TIMESTAMP                  -- Beijing time
);

CREATE TABLE IF NOT EXISTS route_findings (
    finding_id          BIGINT NOT NULL,
    plan_id             BIGINT NOT NULL,
    team                TEXT NOT NULL,
    seq                 INTEGER NOT NULL,
    target_id           TEXT NOT NULL,
    ref_layer           TEXT,
    ref_id              TEXT,
    finding             TEXT NOT NULL,        -- done / not_found / problem_found
    check_outcome       TEXT,                 -- a fire event's field-check result (fires.outcome)
    note                TEXT,
    submission_id       BIGINT,               -- the field-check submission it made (fire events)
    source              TEXT NOT NULL,        -- page / upload / cli
    source_file         TEXT,                 -- the uploaded file's name
    recorded_by         TEXT NOT NULL,
    recorded_by_account BIGINT NOT NULL,
    recorded_by_role    TEXT NOT NULL,
    recorded_from       TEXT,
    recorded_at         TIMESTAMP NOT NULL    -- Beijing time
);
