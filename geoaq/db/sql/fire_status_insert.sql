-- Append one status change (the history is append-only: never UPDATE or DELETE it).
INSERT INTO fire_event_status_history (
    change_id, event_id, status, dismiss_reason, county_adcode, township_adcode,
    changed_by, changed_at, note, carried_from
)
VALUES (nextval('fire_status_change_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING change_id
