-- Drop the staging tables of a layer load (geoaq.db.store.load_rows).
DROP TABLE IF EXISTS staging_status;
DROP TABLE IF EXISTS staging
