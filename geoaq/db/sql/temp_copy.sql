-- Copy a registered frame into a temporary table (names chosen by the code, never by users).
CREATE OR REPLACE TEMP TABLE {target} AS SELECT * FROM {source}
