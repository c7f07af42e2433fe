-- Store recomputed events (registered table `new_events`).
INSERT INTO fire_events
SELECT event_id, local_date::DATE, first_utc::TIMESTAMP, last_utc::TIMESTAMP, lon, lat,
       detections::INTEGER, satellites, instruments, max_confidence, max_frp, radius_m,
       computed_at::TIMESTAMP, ST_Point(lon, lat)
FROM new_events
