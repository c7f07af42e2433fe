-- Credentials for a DuckLake's data files on an S3-compatible store (GEOAQ_S3_*).
CREATE OR REPLACE SECRET geoaq_s3 (
    TYPE s3, KEY_ID {key_id}, SECRET {secret}, ENDPOINT {endpoint}, REGION {region},
    USE_SSL {use_ssl}, URL_STYLE 'path'
)
