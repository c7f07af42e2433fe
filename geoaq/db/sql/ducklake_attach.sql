-- Attach a DuckLake (catalog and data path from configuration, see geoaq.db.backend);
-- up to 100 rows a write stay in the catalog instead of a Parquet file each.
ATTACH {catalog} AS {alias} (DATA_PATH {data_path}, DATA_INLINING_ROW_LIMIT 100)
