-- A new revision of a warning: id, revision, area, level, start, end, issued_by, document, note,
-- status, recorded_by, synthetic, source file, source row.
INSERT INTO emergency_warnings (warning_id, revision, area, level, start_at, end_at, issued_by,
    document, note, status, recorded_by, recorded_at, synthetic, source_file, source_row)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?)
