-- Set (or with NULL clear) the single sign-on identity of an account: subject, changed time,
-- account_id.
UPDATE accounts SET sso_subject = ?, changed_at_utc = ? WHERE account_id = ?
