-- Persistent hot spots: the events of {events} (event_id, lon, lat, local_date, radius_m) with
-- detections within the event's radius (metres, WGS-84 ellipsoid) on at least $3 distinct
-- Beijing days of some window of $2 + 1 days that contains the event's date; one row per such
-- event. Parameters: $1 the degree cell of the pre-filter (≥ any radius in degrees), $2 the
-- window length in days - 1 (also how far before and after its date an event looks), $3 the
-- minimum number of days. Beijing = UTC + 8 h.
--
-- Candidates come from an equality join on grid cells of the pre-filter's size, not from
-- ST_DWithin between every event and every detection, which at 100,000 events took over an
-- hour. An event looks in the cells, among its own and the 8 around it, that its radius box
-- (widened 2 %) touches: every detection that can pass the distance test lies in them. A
-- local flat-earth distance (within 0.7 % of the ellipsoidal one at these distances) decides
-- the clear cases; pairs within 1 % of the radius get ST_Distance_Spheroid, so the result is
-- the ellipsoidal rule exactly. The windows are counted here too, with a RANGE frame over each
-- event's distinct days (a window starting on each day), instead of in pandas.
WITH params AS (SELECT $1::DOUBLE AS cell, $2::INTEGER AS before, $2::INTEGER AS after),
detections AS (
    SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat,
           (coalesce(d.acquired_at_utc, d.acq_date::TIMESTAMP) + INTERVAL 8 HOUR)::DATE AS day,
           floor(ST_X(d.geom) / p.cell)::BIGINT AS cx, floor(ST_Y(d.geom) / p.cell)::BIGINT AS cy
    FROM fire_points AS d, params AS p
    WHERE d.geom IS NOT NULL
),
reach AS (
    SELECT e.event_id, e.lon, e.lat, e.radius_m, e.local_date::DATE AS local_date,
           cos(radians(e.lat)) AS coslat, p.cell,
           e.local_date::DATE - p.before AS first_day, e.local_date::DATE + p.after AS last_day,
           floor(e.lon / p.cell)::BIGINT AS home_x, floor(e.lat / p.cell)::BIGINT AS home_y,
           1.02 * e.radius_m / 111320.0 AS half_lat,
           1.02 * e.radius_m / (111320.0 * greatest(cos(radians(e.lat)), 1e-9)) AS half_lon
    FROM {events} AS e, params AS p
),
boxes AS (
    SELECT *,
           greatest(home_x - 1, floor((lon - half_lon) / cell))::BIGINT AS x0,
           least(home_x + 1, floor((lon + half_lon) / cell))::BIGINT AS x1,
           greatest(home_y - 1, floor((lat - half_lat) / cell))::BIGINT AS y0,
           least(home_y + 1, floor((lat + half_lat) / cell))::BIGINT AS y1
    FROM reach
),
events AS (
    SELECT b.event_id, b.lon, b.lat, b.radius_m, b.coslat, b.first_day, b.last_day, x.cx, y.cy
    FROM boxes AS b,
         LATERAL (SELECT unnest(range(b.x0, b.x1 + 1)) AS cx) AS x,
         LATERAL (SELECT unnest(range(b.y0, b.y1 + 1)) AS cy) AS y
),
candidates AS (
    SELECT e.event_id, e.lon AS e_lon, e.lat AS e_lat, e.radius_m, d.lon, d.lat, d.day,
           111320.0 * sqrt(((d.lon - e.lon) * e.coslat) ^ 2 + (d.lat - e.lat) ^ 2) AS approx_m
    FROM events AS e
    JOIN detections AS d
      ON d.cx = e.cx AND d.cy = e.cy AND d.day BETWEEN e.first_day AND e.last_day
),
near_days AS (
    SELECT DISTINCT event_id, day
    FROM candidates
    WHERE approx_m <= 1.01 * radius_m
      AND (approx_m <= 0.99 * radius_m
           OR ST_Distance_Spheroid(ST_FlipCoordinates(ST_Point(lon, lat)),
                                   ST_FlipCoordinates(ST_Point(e_lon, e_lat))) <= radius_m)
),
windows AS (
    SELECT n.event_id, n.day, r.local_date,
           count(*) OVER (PARTITION BY n.event_id ORDER BY n.day - DATE '1970-01-01'
                          RANGE BETWEEN CURRENT ROW AND $2::INTEGER FOLLOWING) AS days_in_window
    FROM near_days AS n
    JOIN reach AS r USING (event_id)
)
SELECT DISTINCT event_id
FROM windows
WHERE day <= local_date AND local_date <= day + $2::INTEGER AND days_in_window >= $3::INTEGER
