-- Per Beijing day of $2..$3 (every day when $1 is TRUE): the stored events, their stored
-- detections, and what fire_event_days recorded about their computation (NULL when nothing).
WITH events AS (
    SELECT local_date, count(*) AS events
    FROM fire_events
    WHERE $1::BOOLEAN OR local_date BETWEEN $2::DATE AND $3::DATE
    GROUP BY local_date
),
members AS (
    SELECT e.local_date, count(*) AS members
    FROM fire_event_detections AS d
    JOIN fire_events AS e USING (event_id)
    WHERE $1::BOOLEAN OR e.local_date BETWEEN $2::DATE AND $3::DATE
    GROUP BY e.local_date
),
recorded AS (
    SELECT local_date, rules_hash, detections AS recorded_detections,
           detections_hash AS recorded_hash, events AS recorded_events
    FROM fire_event_days
    WHERE $1::BOOLEAN OR local_date BETWEEN $2::DATE AND $3::DATE
)
SELECT local_date,
       coalesce(events.events, 0) AS events,
       coalesce(members.members, 0) AS members,
       recorded.rules_hash, recorded.recorded_detections, recorded.recorded_hash,
       recorded.recorded_events
FROM events
FULL JOIN members USING (local_date)
FULL JOIN recorded USING (local_date)
ORDER BY local_date
