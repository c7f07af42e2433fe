-- Drop an account's scopes (before writing its new ones, in the same transaction).
DELETE FROM account_scopes WHERE account_id = ?
