-- Make the counters (claims) named in a TEXT[] exist, starting at 0; run on its own, before
-- the transaction that uses them (two transactions both creating one would not conflict).
INSERT INTO counters SELECT n, 0 FROM (SELECT DISTINCT unnest(?::TEXT[]) AS n)
WHERE n NOT IN (SELECT name FROM counters)
