-- The lon/lat extent of the administrative units (the jurisdiction a FIRMS feed asks for).
SELECT ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box)
FROM (SELECT ST_Extent_Agg(geom) AS box FROM admin_units) AS e
WHERE box IS NOT NULL
