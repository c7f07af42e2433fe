-- A counter's current value.
SELECT value FROM counters WHERE name = ?
