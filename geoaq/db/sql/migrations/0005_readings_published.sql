-- What a release published beside its concentrations, kept with each station-hour
-- (geoaq.ingest.readings; the live national release carries all three):
--   published_primary  the primary pollutant(s) it published, as geoaq names them
--                      ("PM2.5", "PM2.5,PM10"; "" for none); NULL where the source names none
--   published_na       true where it published the AQI as "NA" (HJ 633-2026 §5.3.1)
--   unmeasured         pollutants the station does not measure (the release writes "/"), e.g.
--                      "so2,co"; NULL where the source does not say
-- time_bjt is the hour's label in the national release's convention: the END of the hour
-- (the value of 16:00 is the mean of 15:00–16:00); sources labelled by the start are shifted
-- on loading.
ALTER TABLE readings ADD COLUMN IF NOT EXISTS published_primary TEXT;
ALTER TABLE readings ADD COLUMN IF NOT EXISTS published_na BOOLEAN;
ALTER TABLE readings ADD COLUMN IF NOT EXISTS unmeasured TEXT;
