-- Every warning's latest revision, the latest start first.
SELECT * EXCLUDE (rank_of_revision) FROM (
    SELECT warning_id, revision, area, level, start_at, end_at, issued_by, document, note, status,
           recorded_by, recorded_at, synthetic, source_file, source_row,
           row_number() OVER (PARTITION BY warning_id ORDER BY revision DESC) AS rank_of_revision
    FROM emergency_warnings
) WHERE rank_of_revision = 1
ORDER BY start_at DESC, warning_id
