-- How many accounts exist, and how many of them are enabled administrators.
SELECT count(*), count(*) FILTER (WHERE role = 'admin' AND NOT disabled) FROM accounts
