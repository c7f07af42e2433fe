-- One submission with its latest review's decision (none: pending).
SELECT s.submission_id, s.event_id, s.kind, s.outcome, s.county_adcode, s.township_adcode,
       (SELECT r.decision FROM fire_event_reviews AS r WHERE r.submission_id = s.submission_id
        ORDER BY r.review_id DESC LIMIT 1) AS decision
FROM fire_event_submissions AS s
WHERE s.submission_id = ?
