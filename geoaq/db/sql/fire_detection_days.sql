-- Per Beijing day: the fire detections acquired in [?, ?) UTC (all when the first ? is NULL),
-- counted and hashed independently of row order over every column that grouping and event
-- summaries read (geoaq.fires: a changed frp or footprint must show, not only a new key).
-- acquired_at_utc and the selection are those of fire_detections.sql.
WITH detections AS (
    SELECT latitude, longitude, acq_date, acq_time, satellite, instrument, confidence_class,
           scan, track, frp,
           coalesce(acquired_at_utc,
                    acq_date::TIMESTAMP + to_minutes(
                        (try_cast(substr(acq_time, 1, 2) AS INTEGER) * 60
                         + try_cast(substr(acq_time, 3, 2) AS INTEGER))::BIGINT)) AS acquired_at_utc
    FROM fire_points
)
SELECT (acquired_at_utc + INTERVAL 8 HOUR)::DATE AS local_date,
       count(*) AS detections,
       (sum(hash(latitude, longitude, acq_date, acq_time, satellite, instrument, confidence_class,
                 scan, track, frp, acquired_at_utc)) % 18446744073709551616)::UBIGINT
           AS detections_hash
FROM detections
WHERE acquired_at_utc IS NOT NULL
  AND (?::TIMESTAMP IS NULL
       OR (acquired_at_utc >= ?::TIMESTAMP AND acquired_at_utc < ?::TIMESTAMP))
GROUP BY local_date
ORDER BY local_date
