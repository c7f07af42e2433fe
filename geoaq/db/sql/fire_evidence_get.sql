-- One evidence file's row with the event of its submission.
SELECT e.evidence_id, e.submission_id, s.event_id, e.kind, e.size_bytes, e.sha256, e.original_name,
       e.uploaded_by, e.uploaded_by_role, e.uploaded_from, e.uploaded_at
FROM fire_event_evidence AS e
JOIN fire_event_submissions AS s ON s.submission_id = e.submission_id
WHERE e.evidence_id = ?
