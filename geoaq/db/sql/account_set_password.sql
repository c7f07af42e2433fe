-- A new password hash (a reset, or a re-hash on sign-in): hash, changed time, account_id. Clears
-- the failed sign-ins and any lock.
UPDATE accounts SET password_hash = ?, failed_count = 0, locked_until_utc = NULL, changed_at_utc = ?
WHERE account_id = ?
