-- A failed sign-in: the new failed_count, locked_until_utc (NULL unless the limit is reached),
-- account_id.
UPDATE accounts SET failed_count = ?, locked_until_utc = ? WHERE account_id = ?
