-- How many loads the database has seen and the latest one's id: changes with every ingest into
-- any layer (and with nothing else, e.g. not with a verification status).
SELECT count(*) AS runs, coalesce(max(ingest_id), 0) AS latest FROM ingest_runs
