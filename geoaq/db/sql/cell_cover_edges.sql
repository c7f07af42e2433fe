-- Cover build, step 2: the grid cells the edges (segments) of each polygon's rings touch, one
-- row per polygon and cell, with how far the edges through the cell reach beyond it.
-- Cell (x, y) is the half-open box [x*d, (x+1)*d) x [y*d, (y+1)*d): the cell floor() puts a
-- point in. With d a power of two, lon / d and x * d are exact, so "which cells can an edge
-- touch" is exact: the floor() range of its bounding box. An edge inside one cell touches only
-- that cell; an edge across cells keeps its extent (it widens the clip box of each cell it
-- touches, step 4; NULL: no edge leaves the cell), and when its range has more than two cells
-- only those whose closed box it intersects are kept (a superset of the half-open ones).
-- $1 = cell size in degrees.
CREATE OR REPLACE TEMP TABLE cell_cover__edges AS
WITH parts AS (
    SELECT poly_id, unnest(ST_Dump(geom)).geom AS part FROM cell_cover__polygons
),
rings AS (
    SELECT poly_id, unnest(part::POLYGON_2D) AS ring FROM parts
),
segments AS (
    SELECT poly_id, unnest(ring[1:-2]) AS a, unnest(ring[2:]) AS b FROM rings
),
ranged AS (
    SELECT
        poly_id,
        least(a.x, b.x) AS xmin, greatest(a.x, b.x) AS xmax,
        least(a.y, b.y) AS ymin, greatest(a.y, b.y) AS ymax,
        a, b,
        floor(least(a.x, b.x) / $1::DOUBLE)::BIGINT AS x0,
        floor(greatest(a.x, b.x) / $1::DOUBLE)::BIGINT AS x1,
        floor(least(a.y, b.y) / $1::DOUBLE)::BIGINT AS y0,
        floor(greatest(a.y, b.y) / $1::DOUBLE)::BIGINT AS y1
    FROM segments
),
crossing AS (
    SELECT poly_id, xmin, xmax, ymin, ymax, a, b, y0, y1,
           unnest(range(x0, x1 + 1)) AS cell_x, (x1 - x0) + (y1 - y0) > 1 AS many_cells
    FROM ranged
    WHERE x0 <> x1 OR y0 <> y1
),
crossing_cells AS (
    SELECT poly_id, xmin, xmax, ymin, ymax, a, b, many_cells, cell_x,
           unnest(range(y0, y1 + 1)) AS cell_y
    FROM crossing
),
touched AS (
    SELECT poly_id, x0 AS cell_x, y0 AS cell_y,
           NULL::DOUBLE AS xmin, NULL::DOUBLE AS xmax, NULL::DOUBLE AS ymin, NULL::DOUBLE AS ymax
    FROM ranged
    WHERE x0 = x1 AND y0 = y1
    UNION ALL
    SELECT poly_id, cell_x, cell_y, xmin, xmax, ymin, ymax
    FROM crossing_cells
    WHERE NOT many_cells
       OR ST_Intersects(
            ST_MakeLine(ST_Point(a.x, a.y), ST_Point(b.x, b.y)),
            ST_MakeEnvelope(cell_x * $1::DOUBLE, cell_y * $1::DOUBLE,
                            (cell_x + 1) * $1::DOUBLE, (cell_y + 1) * $1::DOUBLE))
)
SELECT poly_id, cell_x, cell_y,
       min(xmin) AS xmin, max(xmax) AS xmax, min(ymin) AS ymin, max(ymax) AS ymax
FROM touched
GROUP BY poly_id, cell_x, cell_y
