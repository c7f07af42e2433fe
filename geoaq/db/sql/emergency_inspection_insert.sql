-- One finding: warning, enterprise key, line, time, result, inspector, finding, recorded_by,
-- synthetic, source file, source row.
INSERT INTO emergency_inspections (warning_id, enterprise_key, line, inspected_at, result,
    inspector, finding, recorded_by, recorded_at, synthetic, source_file, source_row)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?)
