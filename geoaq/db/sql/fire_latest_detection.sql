-- The latest detection time (UTC) of any fire point; NULL without detections.
SELECT max(acquired_at_utc) FROM fire_points
