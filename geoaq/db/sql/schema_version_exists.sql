-- Whether the migrations' own table exists yet in this database (0 or 1).
SELECT count(*) FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = 'schema_version'
