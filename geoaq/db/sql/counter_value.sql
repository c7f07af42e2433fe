-- A counter's current value.
SELECT value FROM {table}
