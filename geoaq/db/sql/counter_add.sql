-- Add to a counter (ids, claims); a concurrent transaction adding to it conflicts.
UPDATE {table} SET value = value + ?
