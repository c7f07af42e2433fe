-- Cover build, step 1: the layer's polygons numbered, each with its top quadtree level: the
-- level whose nodes (cell_deg * 2^level wide) are at least as wide as the polygon's bounding
-- box, so that the box spans at most 2 x 2 nodes there; and the level its pieces are clipped
-- at (step 4): the requested one, or the top level when lower.
-- {layer}: the polygon layer; {keys}: its key columns. $1 = cell size in degrees, $2 = piece
-- level.
CREATE OR REPLACE TEMP TABLE cell_cover__polygons AS
WITH numbered AS (
    SELECT
        row_number() OVER () AS poly_id,
        {keys},
        geom,
        greatest(0, ceil(log2(greatest(
            ST_XMax(geom) - ST_XMin(geom), ST_YMax(geom) - ST_YMin(geom), 1e-300) / $1::DOUBLE
        )))::INTEGER AS top_level
    FROM {layer}
    WHERE geom IS NOT NULL AND ST_GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')
      AND NOT ST_IsEmpty(geom)
)
SELECT *, least($2::INTEGER, top_level) AS piece_level
FROM numbered
