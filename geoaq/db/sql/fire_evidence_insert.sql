-- Record the evidence files of a submission (append-only), one row per file, from lists of equal
-- length: evidence_id, submission_id, sha256, size_bytes, kind, original_name; then who (label,
-- account, role, from) and when (Beijing time), the same for every file.
INSERT INTO fire_event_evidence (evidence_id, submission_id, sha256, size_bytes, kind, original_name,
                                 uploaded_by, uploaded_by_account, uploaded_by_role, uploaded_from,
                                 uploaded_at)
SELECT unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::TEXT[]), unnest(?::BIGINT[]),
       unnest(?::TEXT[]), unnest(?::TEXT[]), ?, ?, ?, ?, ?
