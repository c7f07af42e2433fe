-- Whether any stored reading falls in the hours of a load ($first … $last): when none does,
-- every incoming station-hour is new and the merge can be skipped.
SELECT count(*) FROM (
    SELECT 1 FROM readings WHERE time_bjt BETWEEN $first::TIMESTAMP AND $last::TIMESTAMP LIMIT 1
)
