-- How many loads a database has recorded (a DuckLake the demo may be built into has none).
SELECT count(*) FROM ingest_runs
