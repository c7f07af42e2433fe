-- Carry statuses over to recomputed event ids. Parameters: the first reserved change_id (one
-- is reserved per pair; gaps are fine), changed_by, changed_at, then the
-- old ids and the new ids as two TEXT[] of equal length (zipped by position). A new id gets
-- a copy of its old id's current row only when the old id has history and the new id none;
-- when several old ids map to one new id, the most recent change among them is copied.
INSERT INTO fire_event_status_history (
    change_id, event_id, status, dismiss_reason, county_adcode, township_adcode,
    changed_by, changed_at, note, carried_from
)
SELECT ?::BIGINT + row_number() OVER (ORDER BY new_id) - 1, new_id, status, dismiss_reason, county_adcode,
       township_adcode, changed_by, changed_at, note, old_id
FROM (
    SELECT r.old_id, r.new_id, s.status, s.dismiss_reason, s.county_adcode,
           s.township_adcode, s.note, ?::TEXT AS changed_by, ?::TIMESTAMP AS changed_at
    FROM (SELECT unnest(?::TEXT[]) AS old_id, unnest(?::TEXT[]) AS new_id) AS r
    JOIN fire_event_status AS s ON s.event_id = r.old_id
    WHERE r.new_id NOT IN (SELECT event_id FROM fire_event_status_history)
    QUALIFY row_number() OVER (PARTITION BY r.new_id ORDER BY s.change_id DESC) = 1
)
ORDER BY new_id
