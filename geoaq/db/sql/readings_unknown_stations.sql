-- Station codes of a load (registered Arrow table `incoming_readings`) that the stations layer lacks.
SELECT DISTINCT i.station_code
FROM incoming_readings AS i
WHERE NOT EXISTS (SELECT 1 FROM stations AS s WHERE s.code = i.station_code)
ORDER BY 1
