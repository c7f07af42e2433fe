-- A layer's features as WKB with their attributes, optionally within a lon/lat box.
SELECT {columns}, synthetic, ST_AsWKB(geom) AS geom_wkb
FROM {table}
WHERE ?::DOUBLE IS NULL
   OR ST_Intersects(geom, ST_MakeEnvelope(?::DOUBLE, ?::DOUBLE, ?::DOUBLE, ?::DOUBLE))
