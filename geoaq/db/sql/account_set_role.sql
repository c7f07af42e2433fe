-- Change an account's role: role, changed time, account_id.
UPDATE accounts SET role = ?, changed_at_utc = ? WHERE account_id = ?
