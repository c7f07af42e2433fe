-- Remove stored readings that a load replaces (same station and hour, different values).
DELETE FROM readings AS t
USING readings_staging AS s
WHERE s.load_status = 'changed' AND t.station_code = s.station_code AND t.time_bjt = s.time_bjt
