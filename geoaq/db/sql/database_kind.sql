-- The connection's current database: its path (a file, a DuckLake's catalog; NULL in memory) and
-- its type (duckdb, ducklake).
SELECT path, type FROM duckdb_databases() WHERE database_name = current_database()
