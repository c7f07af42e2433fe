-- Insert new and changed rows of the load; unchanged rows keep their original ingest.
INSERT INTO {table} ({all_columns})
SELECT {all_columns_from_stage}, ?::BIGINT AS ingest_id, now() AS loaded_at
FROM staging_status
WHERE load_status <> 'same'
