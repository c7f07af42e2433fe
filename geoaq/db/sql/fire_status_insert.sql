-- Append one status change (the history is append-only: never UPDATE or DELETE it).
-- Parameters: change_id (reserved from the counter), then the row's values; the account that
-- made it, its role and where from (migration 0011; none for a library call without one).
INSERT INTO fire_event_status_history (
    change_id, event_id, status, dismiss_reason, county_adcode, township_adcode,
    changed_by, changed_at, note, carried_from, changed_by_account, changed_by_role, changed_from
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
