-- Remove the finding a changed one replaces: warning, enterprise key, line, time.
DELETE FROM emergency_inspections
WHERE warning_id = ? AND enterprise_key = ? AND line = ? AND inspected_at = ?
