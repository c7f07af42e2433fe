-- Stored events of Beijing days ?..? (all when the first ? is TRUE): the columns that
-- geoaq.fires.summarize_events computes, to compare with a recomputation.
SELECT event_id, local_date, first_utc, last_utc, lon, lat, detections, satellites, instruments,
       max_confidence, max_frp, radius_m
FROM fire_events
WHERE ?::BOOLEAN OR local_date BETWEEN ?::DATE AND ?::DATE
