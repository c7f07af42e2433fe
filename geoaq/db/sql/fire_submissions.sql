-- Submissions with their latest review (state: pending / approved / returned); all when the
-- event parameter (given twice) is NULL, else one event's; oldest first.
SELECT s.submission_id, s.event_id, s.kind, s.outcome, s.county_adcode, s.township_adcode, s.note,
       s.submitted_by, s.submitted_by_role, s.submitted_from, s.submitted_at,
       coalesce(r.decision, 'pending') AS state, r.reason AS review_reason, r.reviewed_by,
       r.reviewed_at, r.change_id
FROM fire_event_submissions AS s
LEFT JOIN (
    SELECT * FROM fire_event_reviews
    QUALIFY row_number() OVER (PARTITION BY submission_id ORDER BY review_id DESC) = 1
) AS r ON r.submission_id = s.submission_id
WHERE ?::TEXT IS NULL OR s.event_id = ?
ORDER BY s.submission_id
