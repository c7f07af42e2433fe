-- Station codes that have readings.
SELECT DISTINCT station_code FROM readings ORDER BY station_code
