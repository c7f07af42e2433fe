-- One account by its sign-in name (without case).
SELECT account_id, name, display_name, role, password_hash, disabled, failed_count,
       locked_until_utc, created_at_utc, last_sign_in_utc
FROM accounts
WHERE lower(name) = lower(?)
ORDER BY account_id
LIMIT 1
