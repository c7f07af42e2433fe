-- Detections of the stored events of Beijing days ?..? (all events when the first ? is TRUE).
SELECT d.event_id, d.latitude, d.longitude, d.acq_date, d.acq_time, d.satellite
FROM fire_event_detections AS d
JOIN fire_events AS e USING (event_id)
WHERE ?::BOOLEAN OR e.local_date BETWEEN ?::DATE AND ?::DATE
