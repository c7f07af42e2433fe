-- Which of the given event ids (a TEXT[] parameter) are not in fire_events.
SELECT id FROM unnest(?::TEXT[]) AS t(id)
WHERE id NOT IN (SELECT event_id FROM fire_events)
ORDER BY id
