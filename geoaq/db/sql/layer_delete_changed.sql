-- Remove stored rows that a load replaces (same natural key, different values).
DELETE FROM {table} AS t
USING staging_status AS s
WHERE {key_match} AND s.load_status = 'changed'
