-- Per feed: the last request that succeeded (loaded or found no rows), the last request and
-- its status and error, and the requests that failed since the last success.
WITH latest AS (
    SELECT feed, status, error, finished_utc,
           row_number() OVER (PARTITION BY feed ORDER BY finished_utc DESC) AS rank_in_feed
    FROM feed_runs
), success AS (
    SELECT feed, max(finished_utc) AS last_success
    FROM feed_runs WHERE status IN ('ok', 'empty') GROUP BY feed
)
SELECT l.feed, s.last_success, l.finished_utc AS last_run, l.status AS last_status,
       l.error AS last_error,
       (SELECT count(*) FROM feed_runs AS f
        WHERE f.feed = l.feed AND f.status = 'failed'
          AND (s.last_success IS NULL OR f.finished_utc > s.last_success)) AS failed_since
FROM latest AS l LEFT JOIN success AS s ON s.feed = l.feed
WHERE l.rank_in_feed = 1
ORDER BY l.feed
