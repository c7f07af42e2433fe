-- Insert every incoming station-hour (registered Arrow table `incoming_readings`): used when
-- no stored reading falls in the load's hours, so all are new. Parameters: source file, ingest id.
INSERT INTO readings (station_code, time_bjt, pm25, pm10, so2, no2, o3, co, published_aqi,
                      published_primary, published_na, unmeasured, synthetic, source_file,
                      source_row, ingest_id, loaded_at)
SELECT station_code, time_bjt, pm25, pm10, so2, no2, o3, co, published_aqi, published_primary,
       published_na, unmeasured, synthetic,
       ?::TEXT, source_row, ?::BIGINT, now()
FROM incoming_readings
