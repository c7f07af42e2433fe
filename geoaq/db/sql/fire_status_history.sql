-- Every status change of one event, oldest first.
SELECT change_id, event_id, status, dismiss_reason, county_adcode, township_adcode,
       changed_by, changed_at, note, carried_from, changed_by_account, changed_by_role, changed_from
FROM fire_event_status_history
WHERE event_id = ?
ORDER BY change_id
