-- Every revision of one warning, the first first (geoaq.emergency.alerts).
SELECT warning_id, revision, area, level, start_at, end_at, issued_by, document, note, status,
       recorded_by, recorded_at, synthetic, source_file, source_row
FROM emergency_warnings
WHERE warning_id = ?
ORDER BY revision
