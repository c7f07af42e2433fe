-- The rows of one list version in the file's order: list_year, effective_from.
SELECT row_key, enterprise_key, enterprise_name, county, industry, line, grade, falsified, ule,
       so2, nox, pm, vocs, contact, phone, extra, synthetic, source_file, source_row
FROM emergency_list_rows
WHERE list_year = ? AND effective_from = ?
ORDER BY position
