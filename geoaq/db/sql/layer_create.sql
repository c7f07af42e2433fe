-- A layer table as declared in its registry file (types come from a fixed whitelist).
CREATE TABLE IF NOT EXISTS {table} ({column_definitions})
