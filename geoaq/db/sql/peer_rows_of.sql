-- The rows of one peer table's period, in the file's order: table_name, period_start, period_end.
SELECT name, composite_index, pm25, pm10, o3, no2, so2, co, good_day_ratio, published_rank, source_row
FROM peer_rows
WHERE table_name = ? AND period_start = ? AND period_end = ?
ORDER BY position
