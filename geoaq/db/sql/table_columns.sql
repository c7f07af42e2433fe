-- Columns of a table in this database's main schema with their types.
SELECT column_name, data_type FROM information_schema.columns
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ?
ORDER BY ordinal_position
