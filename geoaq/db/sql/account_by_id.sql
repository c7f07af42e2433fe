-- One account by its id.
SELECT account_id, name, display_name, role, password_hash, disabled, failed_count,
       locked_until_utc, created_at_utc, last_sign_in_utc
FROM accounts
WHERE account_id = ?
