-- Evidence files with the event of their submission: all when both filters are NULL, else one
-- submission's (first parameter, given twice) and/or one event's (second, given twice); by id.
SELECT e.evidence_id, e.submission_id, s.event_id, e.kind, e.size_bytes, e.sha256, e.original_name,
       e.uploaded_by, e.uploaded_by_role, e.uploaded_from, e.uploaded_at
FROM fire_event_evidence AS e
JOIN fire_event_submissions AS s ON s.submission_id = e.submission_id
WHERE (?::BIGINT IS NULL OR e.submission_id = ?)
  AND (?::TEXT IS NULL OR s.event_id = ?)
ORDER BY e.evidence_id
