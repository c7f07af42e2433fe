-- Cover build, step 6: the cover table. One row per (polygon, cell) the polygon touches:
-- interior cells (every point of the cell is in the polygon: the equality join decides) and
-- boundary cells with the piece of their block (the point is tested against it).
-- {cover}: the table to (re)create; {keys}: the key columns as p.key.
CREATE OR REPLACE TABLE {cover} AS
WITH interior_x AS (
    SELECT poly_id, level, node_y,
           unnest(range(node_x << level, (node_x + 1) << level)) AS cell_x
    FROM cell_cover__interior
),
interior_cells AS (
    SELECT poly_id, cell_x, unnest(range(node_y << level, (node_y + 1) << level)) AS cell_y
    FROM interior_x
)
SELECT i.cell_x, i.cell_y, {keys}, TRUE AS interior, NULL::GEOMETRY AS piece
FROM interior_cells AS i
JOIN cell_cover__polygons AS p USING (poly_id)
UNION ALL
SELECT n.node_x AS cell_x, n.node_y AS cell_y, {keys}, FALSE AS interior, b.piece
FROM cell_cover__nodes AS n
JOIN cell_cover__polygons AS p ON p.poly_id = n.poly_id
JOIN cell_cover__pieces AS b
  ON b.poly_id = n.poly_id
 AND b.node_x = n.node_x >> p.piece_level AND b.node_y = n.node_y >> p.piece_level
WHERE n.level = 0
