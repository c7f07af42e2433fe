-- Drop a temporary working table.
DROP TABLE IF EXISTS {table}
