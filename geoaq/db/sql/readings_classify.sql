-- Each incoming station-hour (registered Arrow table `incoming_readings`) is new, the same as
-- the stored row with its station_code and time_bjt, or changed. A value column the file does
-- not have ($has_<column> false) keeps the stored value; an empty cell in a column it has is
-- NULL and replaces it. Only stored rows between $first and $last (the load's hours) are read.
CREATE OR REPLACE TEMP TABLE readings_staging AS
WITH stored AS (
    SELECT * FROM readings WHERE time_bjt BETWEEN $first::TIMESTAMP AND $last::TIMESTAMP
), merged AS (
    SELECT
        s.station_code,
        s.time_bjt,
        IF($has_pm25, s.pm25, t.pm25) AS pm25,
        IF($has_pm10, s.pm10, t.pm10) AS pm10,
        IF($has_so2, s.so2, t.so2) AS so2,
        IF($has_no2, s.no2, t.no2) AS no2,
        IF($has_o3, s.o3, t.o3) AS o3,
        IF($has_co, s.co, t.co) AS co,
        IF($has_published_aqi, s.published_aqi, t.published_aqi) AS published_aqi,
        IF($has_published_primary, s.published_primary, t.published_primary) AS published_primary,
        IF($has_published_na, s.published_na, t.published_na) AS published_na,
        IF($has_unmeasured, s.unmeasured, t.unmeasured) AS unmeasured,
        s.synthetic,
        s.source_row,
        t.station_code IS NOT NULL AS is_stored,
        t.pm25 AS stored_pm25,
        t.pm10 AS stored_pm10,
        t.so2 AS stored_so2,
        t.no2 AS stored_no2,
        t.o3 AS stored_o3,
        t.co AS stored_co,
        t.published_aqi AS stored_published_aqi,
        t.published_primary AS stored_published_primary,
        t.published_na AS stored_published_na,
        t.unmeasured AS stored_unmeasured,
        t.synthetic AS stored_synthetic
    FROM incoming_readings AS s
    LEFT JOIN stored AS t ON s.station_code = t.station_code AND s.time_bjt = t.time_bjt
)
SELECT
    station_code, time_bjt, pm25, pm10, so2, no2, o3, co, published_aqi, published_primary,
    published_na, unmeasured, synthetic, source_row,
    CASE
        WHEN NOT is_stored THEN 'new'
        WHEN pm25 IS NOT DISTINCT FROM stored_pm25
         AND pm10 IS NOT DISTINCT FROM stored_pm10
         AND so2 IS NOT DISTINCT FROM stored_so2
         AND no2 IS NOT DISTINCT FROM stored_no2
         AND o3 IS NOT DISTINCT FROM stored_o3
         AND co IS NOT DISTINCT FROM stored_co
         AND published_aqi IS NOT DISTINCT FROM stored_published_aqi
         AND published_primary IS NOT DISTINCT FROM stored_published_primary
         AND published_na IS NOT DISTINCT FROM stored_published_na
         AND unmeasured IS NOT DISTINCT FROM stored_unmeasured
         AND synthetic IS NOT DISTINCT FROM stored_synthetic THEN 'same'
        ELSE 'changed'
    END AS load_status
FROM merged
