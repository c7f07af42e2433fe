-- Cover build, step 3: boundary nodes. A quadtree node (level L, x, y) covers the cells
-- (x * 2^L ... x * 2^L + 2^L - 1, same for y); it is a boundary node of a polygon when an edge
-- of the polygon touches one of its cells. Levels 0 (the cells) up to the polygon's top level.
CREATE OR REPLACE TEMP TABLE cell_cover__nodes AS
SELECT DISTINCT c.poly_id, l.level, c.cell_x >> l.level AS node_x, c.cell_y >> l.level AS node_y
FROM cell_cover__edges AS c
JOIN cell_cover__polygons AS p USING (poly_id)
JOIN range(0, 64) AS l(level) ON l.level <= p.top_level
