-- Record what the recomputed events of each day were computed from (registered `new_days`).
INSERT INTO fire_event_days
SELECT local_date::DATE, rules_hash, detections::INTEGER, detections_hash::UBIGINT,
       events::INTEGER, computed_at::TIMESTAMP
FROM new_days
