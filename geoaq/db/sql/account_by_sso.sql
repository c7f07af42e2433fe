-- The account a single sign-on identity signs in as: its subject ("sub", compared exactly)
-- first, else its e-mail address (second parameter, given twice; compared without case); the
-- columns of account_by_name.
SELECT account_id, name, display_name, role, password_hash, disabled, failed_count,
       locked_until_utc, created_at_utc, last_sign_in_utc
FROM accounts
WHERE sso_subject = ? OR (?::TEXT IS NOT NULL AND lower(sso_subject) = lower(?))
ORDER BY (sso_subject = ?) DESC, account_id
LIMIT 1
