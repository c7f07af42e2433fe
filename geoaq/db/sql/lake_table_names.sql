-- Every table id of a DuckLake (dropped ones too) with its name. Placeholder: its metadata catalog.
SELECT table_id, table_name FROM {metadata}.ducklake_table
