-- Which account (other than the one given) already holds a single sign-on identity, compared
-- without case: subject, account_id.
SELECT name FROM accounts WHERE lower(sso_subject) = lower(?) AND account_id <> ? LIMIT 1
