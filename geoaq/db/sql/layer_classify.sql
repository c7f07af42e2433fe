-- Each staged row is new, the same as the stored row with its natural key, or changed.
CREATE OR REPLACE TEMP TABLE staging_status AS
SELECT
    s.*,
    CASE
        WHEN t.{first_key} IS NULL THEN 'new'
        WHEN {same_values} AND ST_AsWKB(s.geom) = ST_AsWKB(t.geom) THEN 'same'
        ELSE 'changed'
    END AS load_status
FROM staging AS s
LEFT JOIN {table} AS t ON {key_match}
