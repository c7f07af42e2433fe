-- Every finding of one warning, the earliest first.
SELECT warning_id, enterprise_key, line, inspected_at, result, inspector, finding, recorded_by,
       recorded_at, synthetic, source_file, source_row
FROM emergency_inspections
WHERE warning_id = ?
ORDER BY inspected_at, enterprise_key, line
