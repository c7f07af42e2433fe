-- For each event of {events} (event_id, lon, lat, local_date, radius_m): the distinct Beijing
-- days within ±? days of its date on which a detection lay within the event's radius (metres,
-- WGS-84 ellipsoid). ? = the degree pre-filter. Beijing = UTC + 8 h.
SELECT e.event_id,
       list(DISTINCT (coalesce(d.acquired_at_utc, d.acq_date::TIMESTAMP) + INTERVAL 8 HOUR)::DATE
            ORDER BY (coalesce(d.acquired_at_utc, d.acq_date::TIMESTAMP) + INTERVAL 8 HOUR)::DATE) AS days
FROM {events} AS e
JOIN fire_points AS d ON ST_DWithin(d.geom, ST_Point(e.lon, e.lat), ?::DOUBLE)
WHERE (coalesce(d.acquired_at_utc, d.acq_date::TIMESTAMP) + INTERVAL 8 HOUR)::DATE
          BETWEEN e.local_date::DATE - ?::INTEGER AND e.local_date::DATE + ?::INTEGER
  AND ST_Distance_Spheroid(ST_FlipCoordinates(d.geom), ST_FlipCoordinates(ST_Point(e.lon, e.lat)))
          <= e.radius_m
GROUP BY e.event_id
