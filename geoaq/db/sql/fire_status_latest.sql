-- The latest status row of one event (none when it was never reviewed: it is suspected).
SELECT status, dismiss_reason, county_adcode, township_adcode
FROM fire_event_status
WHERE event_id = ?
