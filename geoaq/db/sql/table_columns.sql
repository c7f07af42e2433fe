-- Columns of a table in the main schema with their types.
SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = 'main' AND table_name = ?
ORDER BY ordinal_position
