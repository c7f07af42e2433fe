-- How many staged rows were new, unchanged or changed.
SELECT load_status, count(*) FROM staging_status GROUP BY load_status
