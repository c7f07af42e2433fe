-- Hourly readings of Beijing days ?..? (inclusive), optionally of the station codes in the
-- list ? (all when NULL), in station and time order.
SELECT station_code, time_bjt, pm25, pm10, so2, no2, o3, co, published_aqi, synthetic
FROM readings
WHERE time_bjt >= ?::DATE AND time_bjt < ?::DATE + INTERVAL 1 DAY
  AND (?::TEXT[] IS NULL OR list_contains(?::TEXT[], station_code))
ORDER BY station_code, time_bjt
