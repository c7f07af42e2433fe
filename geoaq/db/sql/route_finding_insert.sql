-- Record a stop's finding (append-only): finding_id, plan_id, team, seq, target_id, ref_layer,
-- ref_id, finding, check_outcome, note, submission_id, source, source_file, who (label,
-- account, role, from), when (Beijing time).
INSERT INTO route_findings (finding_id, plan_id, team, seq, target_id, ref_layer, ref_id, finding, check_outcome,
                            note, submission_id, source, source_file, recorded_by, recorded_by_account,
                            recorded_by_role, recorded_from, recorded_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
