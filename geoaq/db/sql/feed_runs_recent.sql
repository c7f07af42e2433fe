-- The latest requests of every feed (or of one: `?` = the feed or NULL), newest first.
SELECT feed, source, first_day, day_range, hour_bjt, status, rows_read, new_rows, changed_rows,
       rejected_rows, transactions, error, url, started_utc, finished_utc, ingest_id, run_id, runner
FROM feed_runs
WHERE ?::TEXT IS NULL OR feed = ?::TEXT
ORDER BY started_utc DESC, finished_utc DESC
LIMIT ?
