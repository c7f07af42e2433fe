-- Drop the work tables of a cover build.
DROP TABLE IF EXISTS cell_cover_pieces;
DROP TABLE IF EXISTS cell_cover_interior;
DROP TABLE IF EXISTS cell_cover_nodes;
DROP TABLE IF EXISTS cell_cover_edges;
DROP TABLE IF EXISTS cell_cover_polygons;
