-- How many staged station-hours were new, unchanged or changed.
SELECT load_status, count(*) FROM readings_staging GROUP BY load_status
