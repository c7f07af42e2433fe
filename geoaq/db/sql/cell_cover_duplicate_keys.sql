-- Key values that name more than one row of the layer (a cover needs one polygon per key).
SELECT {keys}, count(*) AS copies
FROM {layer}
GROUP BY ALL
HAVING count(*) > 1
LIMIT 5
