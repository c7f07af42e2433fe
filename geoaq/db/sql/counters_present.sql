-- Which of the counters named in a TEXT[] exist.
SELECT DISTINCT name FROM counters WHERE name IN (SELECT unnest(?::TEXT[]))
