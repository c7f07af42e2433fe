-- A successful sign-in: its time, account_id. Clears the failed sign-ins and any lock.
UPDATE accounts SET failed_count = 0, locked_until_utc = NULL, last_sign_in_utc = ?
WHERE account_id = ?
