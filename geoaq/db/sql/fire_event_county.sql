-- The county (县-level admin_units row) a fire event lies in, by its position; none outside
-- every county. To check an account's jurisdiction over one event (geoaq.fires.verification).
SELECT a.adcode
FROM fire_events AS e
JOIN admin_units AS a ON a.level = '县' AND ST_Intersects(a.geom, e.geom)
WHERE e.event_id = ?
ORDER BY a.adcode
LIMIT 1
