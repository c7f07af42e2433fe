-- Rows of a cover table.
SELECT count(*) FROM {cover}
