-- The stored finding with a natural key: warning, enterprise key, line, time (its values).
SELECT result, inspector, finding FROM emergency_inspections
WHERE warning_id = ? AND enterprise_key = ? AND line = ? AND inspected_at = ?
