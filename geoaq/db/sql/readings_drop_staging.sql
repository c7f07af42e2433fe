DROP TABLE IF EXISTS readings_staging
