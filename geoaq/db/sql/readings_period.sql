-- First and last reading time, and the number of stations with readings.
SELECT min(time_bjt), max(time_bjt), count(DISTINCT station_code) FROM readings
