-- Cover build, step 4: the polygon clipped once per boundary block of its piece level (a
-- block of 2^level x 2^level cells; level 0 would be the cell itself): the piece that points
-- in the block's boundary cells are tested against. The clip box is the block's closed box
-- widened to the full extent of every edge that touches one of its cells, so no edge through
-- the block is cut: an overlay that cuts an edge at a grid line rounds the crossing point, and
-- a point lying exactly on the original edge would then be tested against a slightly tilted
-- copy. Edges that do get cut do not touch the block. So the piece covers each of its cells'
-- closed boxes and answers for every point in them as the whole polygon would. A polygon that
-- lies inside the clip box is kept whole (no overlay).
-- $1 = cell size in degrees.
CREATE OR REPLACE TEMP TABLE cell_cover__pieces AS
WITH reach AS (
    SELECT e.poly_id, $1::DOUBLE * pow(2, p.piece_level) AS size,
           e.cell_x >> p.piece_level AS node_x, e.cell_y >> p.piece_level AS node_y,
           min(e.xmin) AS xmin, max(e.xmax) AS xmax, min(e.ymin) AS ymin, max(e.ymax) AS ymax
    FROM cell_cover__edges AS e
    JOIN cell_cover__polygons AS p USING (poly_id)
    GROUP BY ALL
),
boxes AS (
    SELECT r.poly_id, r.node_x, r.node_y, p.geom,
           least(r.node_x * r.size, coalesce(r.xmin, 'inf'::DOUBLE)) AS xmin,
           greatest((r.node_x + 1) * r.size, coalesce(r.xmax, '-inf'::DOUBLE)) AS xmax,
           least(r.node_y * r.size, coalesce(r.ymin, 'inf'::DOUBLE)) AS ymin,
           greatest((r.node_y + 1) * r.size, coalesce(r.ymax, '-inf'::DOUBLE)) AS ymax
    FROM reach AS r
    JOIN cell_cover__polygons AS p USING (poly_id)
),
spread AS (
    -- The window hands the rows to the next step partitioned, so that the clipping runs on
    -- all threads (a source this small is otherwise read, and clipped, by one thread).
    SELECT *, row_number() OVER (PARTITION BY poly_id) AS block_of_polygon FROM boxes
)
SELECT poly_id, node_x, node_y,
       CASE
           WHEN ST_XMin(geom) >= xmin AND ST_XMax(geom) <= xmax
            AND ST_YMin(geom) >= ymin AND ST_YMax(geom) <= ymax THEN geom
           ELSE ST_Intersection(geom, ST_MakeEnvelope(xmin, ymin, xmax, ymax))
       END AS piece
FROM spread
