-- Every saved plan, newest first.
SELECT plan_id, day, teams, stops, method, saved_by, saved_by_role, saved_from, saved_at
FROM route_plans
ORDER BY plan_id DESC
