-- Record one request of a feed run (geoaq.feeds.runs.record).
INSERT INTO feed_runs (run_id, feed, source, first_day, day_range, hour_bjt, url, run_started_utc,
                       started_utc, finished_utc, status, rows_read, new_rows, changed_rows,
                       rejected_rows, transactions, ingest_id, error, runner)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
