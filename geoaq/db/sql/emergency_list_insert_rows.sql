-- Insert the rows of a list load (registered Arrow table `incoming_list_rows`).
-- Parameters: list_year, effective_from, ingest id.
INSERT INTO emergency_list_rows (list_year, effective_from, row_key, row_hash, enterprise_key,
    enterprise_name, county, industry, line, grade, falsified, ule, so2, nox, pm, vocs, contact,
    phone, extra, synthetic, source_file, source_row, position, ingest_id, loaded_at)
SELECT $1::TEXT, $2::DATE, row_key, row_hash, enterprise_key, enterprise_name, county, industry,
       line, grade, falsified, ule, so2, nox, pm, vocs, contact, phone, extra::JSON, synthetic,
       source_file, source_row, position, $3::BIGINT, now()
FROM incoming_list_rows
