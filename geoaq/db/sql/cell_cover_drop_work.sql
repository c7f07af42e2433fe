-- Drop the work tables of a cover build. They are named cell_cover__<step> (two underscores):
-- a layer name starts with a letter, so no cover table cell_cover_<layer> can share the name.
DROP TABLE IF EXISTS cell_cover__pieces;
DROP TABLE IF EXISTS cell_cover__interior;
DROP TABLE IF EXISTS cell_cover__nodes;
DROP TABLE IF EXISTS cell_cover__edges;
DROP TABLE IF EXISTS cell_cover__polygons;
