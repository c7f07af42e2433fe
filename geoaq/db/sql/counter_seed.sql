-- A new counter's row: the value the shared counters table (migration 0006 and later) holds
-- for its name, else 0.
INSERT INTO {table}
SELECT coalesce((SELECT max(value) FROM counters WHERE name = ?), 0)
WHERE NOT EXISTS (SELECT 1 FROM {table})
