-- Record the city's review of a submission (append-only): review_id, submission_id, decision,
-- reason, change_id, who (label, account, role, from), when (Beijing time).
INSERT INTO fire_event_reviews (review_id, submission_id, decision, reason, change_id, reviewed_by,
                                reviewed_by_account, reviewed_by_role, reviewed_from, reviewed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
