-- Add to a counter (ids, claims); a concurrent transaction adding to it conflicts.
UPDATE counters SET value = value + ? WHERE name = ?
