-- Save a plan (append-only): plan_id, day, teams, stops, method, who (label, account, role,
-- from), when (Beijing time).
INSERT INTO route_plans (plan_id, day, teams, stops, method, saved_by, saved_by_account, saved_by_role,
                         saved_from, saved_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
