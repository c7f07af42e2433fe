-- Rows of a layer table and how many of them are synthetic (演示数据).
SELECT count(*) AS rows, count(*) FILTER (WHERE synthetic) AS synthetic_rows FROM {table}
