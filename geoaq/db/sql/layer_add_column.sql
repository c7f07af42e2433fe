-- Forward migration of a layer table: a column added to its registry file.
ALTER TABLE {table} ADD COLUMN {column} {sql_type}
