-- Cover build, step 5: interior nodes. A node no edge touches lies wholly inside or wholly
-- outside its polygon (its half-open box meets no boundary), so one point-in-polygon test of
-- its centre decides for all its cells. Candidates are the largest such nodes: the children of
-- boundary nodes that are not boundary nodes themselves, and the top-level nodes over the
-- polygon's bounding box. Node centres are exact binary numbers, never on the boundary. A node
-- below the piece level lies in a boundary block, whose piece (step 4) equals the polygon
-- there and is much smaller: its centre is tested against that piece.
-- $1 = cell size in degrees.
CREATE OR REPLACE TEMP TABLE cell_cover__interior AS
WITH children AS (
    SELECT n.poly_id, n.level - 1 AS level, 2 * n.node_x + q.dx AS node_x,
           2 * n.node_y + q.dy AS node_y
    FROM cell_cover__nodes AS n, (VALUES (0, 0), (0, 1), (1, 0), (1, 1)) AS q(dx, dy)
    WHERE n.level > 0
),
top_x AS (
    SELECT p.poly_id, p.top_level, p.geom, $1::DOUBLE * pow(2, p.top_level) AS size,
           unnest(range(floor(ST_XMin(p.geom) / ($1::DOUBLE * pow(2, p.top_level)))::BIGINT,
                        floor(ST_XMax(p.geom) / ($1::DOUBLE * pow(2, p.top_level)))::BIGINT + 1))
               AS node_x
    FROM cell_cover__polygons AS p
),
tops AS (
    SELECT poly_id, top_level AS level, node_x,
           unnest(range(floor(ST_YMin(geom) / size)::BIGINT, floor(ST_YMax(geom) / size)::BIGINT + 1))
               AS node_y
    FROM top_x
),
candidates AS (
    SELECT * FROM children
    UNION
    SELECT * FROM tops
),
free AS MATERIALIZED (
    SELECT c.* FROM candidates AS c
    ANTI JOIN cell_cover__nodes AS n USING (poly_id, level, node_x, node_y)
),
tested AS (
    SELECT f.poly_id, f.level, f.node_x, f.node_y, b.piece AS shape
    FROM free AS f
    JOIN cell_cover__polygons AS p USING (poly_id)
    JOIN cell_cover__pieces AS b
      ON b.poly_id = f.poly_id
     AND b.node_x = f.node_x >> (p.piece_level - f.level)
     AND b.node_y = f.node_y >> (p.piece_level - f.level)
    WHERE f.level < p.piece_level
    UNION ALL
    SELECT f.poly_id, f.level, f.node_x, f.node_y, p.geom AS shape
    FROM free AS f
    JOIN cell_cover__polygons AS p USING (poly_id)
    WHERE f.level >= p.piece_level
)
SELECT poly_id, level, node_x, node_y
FROM tested
WHERE ST_Intersects(shape, ST_Point(
    (node_x + 0.5) * $1::DOUBLE * pow(2, level), (node_y + 0.5) * $1::DOUBLE * pow(2, level)))
