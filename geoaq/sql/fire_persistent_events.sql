-- For each event of {events} (event_id, lon, lat, local_date, radius_m): the distinct Beijing
-- days within ±? days of its date on which a detection lay within the event's radius (metres,
-- WGS-84 ellipsoid). Parameters: the degree pre-filter (≥ any radius in degrees), the days
-- before, the days after. Beijing = UTC + 8 h.
--
-- Candidates come from an equality join on grid cells of the pre-filter's size (an event looks
-- in its own cell and the 8 around it), not from ST_DWithin between every event and every
-- detection, which at 100,000 events took over an hour. A local flat-earth distance (within
-- 0.7 % of the ellipsoidal one at these distances) decides the clear cases; pairs within 1 % of
-- the radius get ST_Distance_Spheroid, so the result is the ellipsoidal rule exactly.
WITH params AS (SELECT ?::DOUBLE AS cell, ?::INTEGER AS before, ?::INTEGER AS after),
detections AS (
    SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat,
           (coalesce(d.acquired_at_utc, d.acq_date::TIMESTAMP) + INTERVAL 8 HOUR)::DATE AS day,
           floor(ST_X(d.geom) / p.cell)::BIGINT AS cx, floor(ST_Y(d.geom) / p.cell)::BIGINT AS cy
    FROM fire_points AS d, params AS p
    WHERE d.geom IS NOT NULL
),
events AS (
    SELECT e.event_id, e.lon, e.lat, e.radius_m, cos(radians(e.lat)) AS coslat,
           floor(e.lon / p.cell)::BIGINT + dx AS cx, floor(e.lat / p.cell)::BIGINT + dy AS cy,
           e.local_date::DATE - p.before AS first_day, e.local_date::DATE + p.after AS last_day
    FROM {events} AS e, params AS p, (VALUES (-1), (0), (1)) AS x(dx), (VALUES (-1), (0), (1)) AS y(dy)
),
candidates AS (
    SELECT e.event_id, e.lon AS e_lon, e.lat AS e_lat, e.radius_m, d.lon, d.lat, d.day,
           111320.0 * sqrt(((d.lon - e.lon) * e.coslat) ^ 2 + (d.lat - e.lat) ^ 2) AS approx_m
    FROM events AS e
    JOIN detections AS d ON d.cx = e.cx AND d.cy = e.cy
    WHERE d.day BETWEEN e.first_day AND e.last_day
)
SELECT event_id, list(DISTINCT day ORDER BY day) AS days
FROM candidates
WHERE approx_m <= 1.01 * radius_m
  AND (approx_m <= 0.99 * radius_m
       OR ST_Distance_Spheroid(ST_FlipCoordinates(ST_Point(lon, lat)),
                               ST_FlipCoordinates(ST_Point(e_lon, e_lat))) <= radius_m)
GROUP BY event_id
