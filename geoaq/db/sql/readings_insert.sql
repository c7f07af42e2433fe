-- Insert the new and changed station-hours of a load; unchanged ones keep their first ingest.
-- Parameters: source file, ingest id.
INSERT INTO readings (station_code, time_bjt, pm25, pm10, so2, no2, o3, co, published_aqi,
                      published_primary, published_na, unmeasured, synthetic, source_file,
                      source_row, ingest_id, loaded_at)
SELECT station_code, time_bjt, pm25, pm10, so2, no2, o3, co, published_aqi, published_primary,
       published_na, unmeasured, synthetic,
       ?::TEXT, source_row, ?::BIGINT, now()
FROM readings_staging
WHERE load_status <> 'same'
