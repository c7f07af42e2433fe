-- Columns a load does not carry keep the values of the stored row with the same natural key
-- (a live release updates a station's name, city and position, not its level or district).
-- {assignments}: "column" = t."column" for each kept column; {key_match}: the natural key.
UPDATE staging AS s
SET {assignments}
FROM {table} AS t
WHERE {key_match}
