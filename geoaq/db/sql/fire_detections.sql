-- Fire detections whose UTC acquisition time lies in [?, ?) (all when the first ? is NULL).
-- acquired_at_utc is filled by the FIRMS reader; other files give acq_date + acq_time (HHMM).
SELECT latitude, longitude, acq_date, acq_time, satellite, instrument, confidence,
       confidence_class, scan, track, frp, brightness,
       coalesce(acquired_at_utc,
                acq_date::TIMESTAMP + to_minutes(
                    (try_cast(substr(acq_time, 1, 2) AS INTEGER) * 60
                     + try_cast(substr(acq_time, 3, 2) AS INTEGER))::BIGINT)) AS acquired_at_utc
FROM fire_points
WHERE ?::TIMESTAMP IS NULL
   OR (coalesce(acquired_at_utc, acq_date::TIMESTAMP) >= ?::TIMESTAMP - INTERVAL 1 DAY
       AND coalesce(acquired_at_utc, acq_date::TIMESTAMP) < ?::TIMESTAMP + INTERVAL 1 DAY)
