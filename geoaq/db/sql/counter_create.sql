-- A counter's own table (one row): in a DuckLake, two transactions writing one table conflict
-- whichever rows they touch, so each counter and claim has a table of its own.
CREATE TABLE IF NOT EXISTS {table} (value BIGINT NOT NULL)
