-- Current status of fire events (all when the TEXT[] parameter, given twice, is NULL): the
-- latest history row, 'suspected' for an event nobody has reviewed yet. The id list is
-- matched by a semi-join on its unnested elements (a hash join; list_contains per event was
-- quadratic: seconds for 100,000 ids).
SELECT e.event_id,
       coalesce(s.status, 'suspected') AS status,
       s.dismiss_reason,
       s.county_adcode,
       s.township_adcode,
       s.changed_by,
       s.changed_at,
       s.note
FROM fire_events AS e
LEFT JOIN fire_event_status AS s ON s.event_id = e.event_id
WHERE ?::TEXT[] IS NULL
   OR e.event_id IN (SELECT unnest(?::TEXT[]))
ORDER BY e.event_id
