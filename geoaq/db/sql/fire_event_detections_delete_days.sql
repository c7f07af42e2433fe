-- Forget the detections of the events of Beijing days ?..? (all when the first ? is TRUE).
DELETE FROM fire_event_detections
WHERE event_id IN (SELECT event_id FROM fire_events
                   WHERE ?::BOOLEAN OR local_date BETWEEN ?::DATE AND ?::DATE)
