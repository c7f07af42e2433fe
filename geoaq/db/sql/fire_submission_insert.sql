-- Record a county's submission (append-only): submission_id, event_id, kind, outcome, county,
-- township, note, who (label, account, role, from), when (Beijing time).
INSERT INTO fire_event_submissions (submission_id, event_id, kind, outcome, county_adcode, township_adcode,
                                    note, submitted_by, submitted_by_account, submitted_by_role,
                                    submitted_from, submitted_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
