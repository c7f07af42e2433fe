-- Whether the migrations' own table exists yet (0 or 1).
SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'
