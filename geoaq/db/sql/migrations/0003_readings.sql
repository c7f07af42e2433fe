-- Hourly air-quality readings per station (geoaq.readings). One row per station and hour.
-- time_bjt: Beijing time (UTC+8) as the source labels the hour (CNEMC: date + hour 0..23).
-- Canonical units: µg/m³ for SO2, NO2, PM10, PM2.5, O3; mg/m³ for CO. NULL = no value.
CREATE TABLE IF NOT EXISTS readings (
    station_code  TEXT NOT NULL,
    time_bjt      TIMESTAMP NOT NULL,
    pm25          DOUBLE,
    pm10          DOUBLE,
    so2           DOUBLE,
    no2           DOUBLE,
    o3            DOUBLE,
    co            DOUBLE,
    published_aqi DOUBLE,      -- the AQI the source itself published for the hour, if any
    synthetic     BOOLEAN NOT NULL,
    source_file   TEXT NOT NULL,
    source_row    BIGINT,
    ingest_id     BIGINT NOT NULL,
    loaded_at     TIMESTAMP NOT NULL
);
