-- Attach a DuckLake (catalog and data path from configuration, see geoaq.db.backend).
ATTACH {catalog} AS {alias} (DATA_PATH {data_path})
