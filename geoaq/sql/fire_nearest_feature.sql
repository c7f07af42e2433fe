-- For each point of {points} (point_id, lon, lat): the nearest feature of {layer} within ?
-- degrees (a generous pre-filter) whose {kind} is in the list ? (every feature when NULL).
-- The distance is in metres on the WGS-84 ellipsoid, to the feature's closest point (0 inside).
-- ST_Distance_Spheroid takes [latitude, longitude] axis order, hence ST_FlipCoordinates.
SELECT p.point_id,
       f.{key}::TEXT AS feature_id,
       f.name AS feature_name,
       f.{kind}::TEXT AS feature_kind,
       ST_Distance_Spheroid(
           ST_FlipCoordinates(ST_ClosestPoint(f.geom, ST_Point(p.lon, p.lat))),
           ST_FlipCoordinates(ST_Point(p.lon, p.lat))) AS distance_m
FROM {points} AS p
JOIN {layer} AS f ON ST_DWithin(f.geom, ST_Point(p.lon, p.lat), ?::DOUBLE)
WHERE ?::TEXT[] IS NULL OR list_contains(?::TEXT[], f.{kind}::TEXT)
QUALIFY row_number() OVER (PARTITION BY p.point_id ORDER BY distance_m, feature_id) = 1
