-- Hourly readings measured on Beijing days ?..? (inclusive), optionally of the station codes in
-- the list ? (all when NULL), in station and time order. time_bjt labels the end of the hour,
-- so a day D holds the labels D 01:00 … D+1 00:00. Every stored column but the load's
-- bookkeeping (a database not yet migrated to 0005 lacks the published_* columns; the caller
-- fills them in).
SELECT * EXCLUDE (source_file, source_row, ingest_id, loaded_at)
FROM readings
WHERE time_bjt > ?::DATE AND time_bjt <= ?::DATE + INTERVAL 1 DAY
  AND (?::TEXT[] IS NULL OR list_contains(?::TEXT[], station_code))
ORDER BY station_code, time_bjt
