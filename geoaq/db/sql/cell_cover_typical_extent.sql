-- The median polygon extent (larger side of its bounding box, degrees): sets the cell size.
SELECT median(greatest(ST_XMax(geom) - ST_XMin(geom), ST_YMax(geom) - ST_YMin(geom)))
FROM {layer}
WHERE geom IS NOT NULL AND ST_GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')
  AND NOT ST_IsEmpty(geom)
