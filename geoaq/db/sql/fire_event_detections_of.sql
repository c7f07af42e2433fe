-- The detections of the events in the list ?, with their FIRMS attributes, oldest first.
SELECT m.event_id, p.satellite, p.instrument, p.acq_date, p.acq_time, p.acquired_at_utc,
       p.confidence, p.confidence_class, p.frp, p.latitude, p.longitude
FROM fire_event_detections AS m
JOIN fire_points AS p USING (latitude, longitude, acq_date, acq_time, satellite)
WHERE list_contains(?::TEXT[], m.event_id)
ORDER BY m.event_id, p.acquired_at_utc, p.satellite
