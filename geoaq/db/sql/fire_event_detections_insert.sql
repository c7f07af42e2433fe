-- Store which detections make up each recomputed event (registered table `new_members`).
INSERT INTO fire_event_detections
SELECT event_id, latitude, longitude, acq_date::DATE, acq_time, satellite FROM new_members
