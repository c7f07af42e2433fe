-- The stops of saved plans (one plan, or all when the parameter, given twice, is NULL) with each
-- stop's latest finding, by plan, team and order.
SELECT s.plan_id, s.team, s.crew, s.seq, s.kind, s.target_id, s.ref_layer, s.ref_id, s.name, s.lon, s.lat,
       s.county_adcode, s.arrival, f.finding_id, f.finding, f.check_outcome, f.note, f.submission_id,
       f.recorded_by, f.recorded_at
FROM route_plan_stops AS s
LEFT JOIN (
    SELECT * FROM route_findings
    QUALIFY row_number() OVER (PARTITION BY plan_id, team, seq ORDER BY finding_id DESC) = 1
) AS f ON f.plan_id = s.plan_id AND f.team = s.team AND f.seq = s.seq
WHERE ?::BIGINT IS NULL OR s.plan_id = ?
ORDER BY s.plan_id, s.team, s.seq
