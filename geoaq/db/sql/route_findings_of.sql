-- Every finding (of one plan, or all when the parameter, given twice, is NULL), oldest first,
-- with the stop's crew and county.
SELECT f.finding_id, f.plan_id, f.team, s.crew, f.seq, f.target_id, f.ref_layer, f.ref_id, s.name,
       s.county_adcode, f.finding, f.check_outcome, f.note, f.submission_id, f.source, f.source_file,
       f.recorded_by, f.recorded_by_role, f.recorded_from, f.recorded_at
FROM route_findings AS f
JOIN route_plan_stops AS s ON s.plan_id = f.plan_id AND s.team = f.team AND s.seq = f.seq
WHERE ?::BIGINT IS NULL OR f.plan_id = ?
ORDER BY f.finding_id
