-- Points in polygons through a cell cover (geoaq.spatialjoin): one row per point and polygon
-- containing it, a point on the boundary counting as inside (as ST_Intersects). A point is put
-- in the cell floor(lon / d), floor(lat / d) (exactly one cell); an interior cell matches by
-- the equality join alone, a boundary cell by testing the point against the cell's piece,
-- which covers the cell's closed box. Usable as a subquery of other named queries.
-- {points}: table or view with {point_id}, {lon}, {lat} (WGS-84 degrees; rows with a missing or
-- impossible coordinate match nothing); {cover}: the layer's cover table (cell_covers);
-- {cover_keys}: its key columns as c.key. Both ? are the cover's cell size in degrees.
WITH located AS (
    SELECT pt.{point_id} AS _point_id,
           pt.{lon}::DOUBLE AS _lon,
           pt.{lat}::DOUBLE AS _lat,
           floor(pt.{lon}::DOUBLE / ?::DOUBLE)::BIGINT AS _cell_x,
           floor(pt.{lat}::DOUBLE / ?::DOUBLE)::BIGINT AS _cell_y
    FROM {points} AS pt
    WHERE pt.{lon}::DOUBLE BETWEEN -360 AND 360 AND pt.{lat}::DOUBLE BETWEEN -90 AND 90
)
SELECT l._point_id AS {point_id}, {cover_keys}
FROM located AS l
JOIN {cover} AS c ON c.cell_x = l._cell_x AND c.cell_y = l._cell_y
WHERE c.interior OR ST_Intersects(c.piece, ST_Point(l._lon, l._lat))
