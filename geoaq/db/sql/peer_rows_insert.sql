-- Insert the rows of a peer-table load (registered Arrow table `incoming_peer_rows`).
INSERT INTO peer_rows (table_name, period_start, period_end, position, name, composite_index, pm25, pm10, o3,
    no2, so2, co, good_day_ratio, published_rank, source_row, ingest_id)
SELECT table_name, period_start::DATE, period_end::DATE, position, name, composite_index, pm25, pm10, o3, no2,
    so2, co, good_day_ratio, published_rank, source_row, ingest_id
FROM incoming_peer_rows
