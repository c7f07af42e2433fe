-- A feed's requests that began at or after a time (UTC): what a run plans from and what
-- counts against the rate limit.
SELECT source, first_day, day_range, hour_bjt, started_utc, finished_utc, status, transactions
FROM feed_runs
WHERE feed = ? AND started_utc >= ?
ORDER BY started_utc
