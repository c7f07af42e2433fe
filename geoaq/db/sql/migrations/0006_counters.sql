-- Counters: the numbers of ingest runs, rejects and status changes (DuckLake has no
-- sequences), and rows a writer updates to claim a table for a natural-key merge, so that
-- two concurrent merges of one table conflict and one runs again (geoaq.db.connection.claim).
-- Databases made before this start their counters at the highest number already used.
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT NOT NULL,     -- ingest / reject / fire_status_change, or claim:<table>
    value BIGINT NOT NULL
);
INSERT INTO counters
SELECT name, value FROM (
    SELECT 'ingest' AS name, coalesce((SELECT max(ingest_id) FROM ingest_runs), 0) AS value
    UNION ALL
    SELECT 'reject', coalesce((SELECT max(reject_id) FROM rejects), 0)
    UNION ALL
    SELECT 'fire_status_change', coalesce((SELECT max(change_id) FROM fire_event_status_history), 0)
    UNION ALL
    SELECT 'claim:readings', 0
    UNION ALL
    SELECT 'claim:fire_events', 0
    UNION ALL
    SELECT 'claim:fire_event_status_history', 0
    UNION ALL
    SELECT 'claim:cell_covers', 0
    UNION ALL
    SELECT 'claim:layer_tables', 0
) AS wanted
WHERE name NOT IN (SELECT name FROM counters);
