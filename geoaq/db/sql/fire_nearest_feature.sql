-- For each point of {points} (point_id, lon, lat): the nearest feature of {layer} whose {kind}
-- is in the list ? (every feature when NULL; the list is given twice) within ? degrees (a
-- generous pre-filter).
-- The distance is in metres on the WGS-84 ellipsoid, to the feature's closest point (0 inside).
-- ST_Distance_Spheroid takes [latitude, longitude] axis order, hence (y, x) points.
--
-- The pre-filter passes millions of pairs at 100,000 points (every feature within ~20 km), and
-- the ellipsoidal distance of each took seconds. So each pair first gets a spherical
-- (haversine) distance, within 0.6 % of the ellipsoidal one; only pairs within 2 % (+ 1 m) of
-- their point's best spherical distance get ST_Distance_Spheroid, and the nearest of those is
-- the nearest of all (ties by feature id), exactly as when every pair was measured. A point
-- feature is its own closest point, so ST_ClosestPoint runs for other geometries only.
WITH features AS (
    SELECT row_number() OVER () AS feature_no, {key}::TEXT AS feature_id, name AS feature_name,
           {kind}::TEXT AS feature_kind, geom,
           CASE WHEN ST_GeometryType(geom) = 'POINT' THEN ST_X(geom) END AS x,
           CASE WHEN ST_GeometryType(geom) = 'POINT' THEN ST_Y(geom) END AS y
    FROM {layer}
    WHERE ?::TEXT[] IS NULL OR list_contains(?::TEXT[], {kind}::TEXT)
),
pairs AS (
    SELECT p.point_id, p.lon, p.lat, f.feature_no, f.x, f.y,
           CASE WHEN f.x IS NULL THEN ST_ClosestPoint(f.geom, ST_Point(p.lon, p.lat)) END AS closest
    FROM {points} AS p
    JOIN features AS f ON ST_DWithin(f.geom, ST_Point(p.lon, p.lat), ?::DOUBLE)
),
approximate AS (
    SELECT point_id, lon, lat, feature_no, cx, cy,
           2 * 6371008.8 * asin(sqrt(
               sin(radians(cy - lat) / 2) ^ 2
               + cos(radians(lat)) * cos(radians(cy)) * sin(radians(cx - lon) / 2) ^ 2)) AS approx_m
    FROM (SELECT *, coalesce(x, ST_X(closest)) AS cx, coalesce(y, ST_Y(closest)) AS cy FROM pairs)
),
best AS (
    SELECT point_id, min(approx_m) AS best_m FROM approximate GROUP BY point_id
),
contenders AS (
    SELECT a.point_id, a.feature_no,
           ST_Distance_Spheroid(ST_Point(a.cy, a.cx), ST_Point(a.lat, a.lon)) AS distance_m
    FROM approximate AS a
    JOIN best AS b ON b.point_id = a.point_id AND a.approx_m <= 1.02 * b.best_m + 1.0
)
SELECT c.point_id, f.feature_id, f.feature_name, f.feature_kind, c.distance_m
FROM contenders AS c
JOIN features AS f USING (feature_no)
QUALIFY row_number() OVER (PARTITION BY c.point_id ORDER BY c.distance_m, f.feature_id) = 1
