-- Disable or enable an account: disabled, changed time, account_id.
UPDATE accounts SET disabled = ?, failed_count = 0, locked_until_utc = NULL, changed_at_utc = ?
WHERE account_id = ?
