-- Stored events of Beijing days ?..?, oldest first.
SELECT event_id, local_date, first_utc, last_utc, lon, lat, detections, satellites, instruments,
       max_confidence, max_frp, radius_m
FROM fire_events
WHERE local_date BETWEEN ?::DATE AND ?::DATE
ORDER BY first_utc, event_id
