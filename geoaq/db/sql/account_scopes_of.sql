-- An account's scopes: (kind, value), sorted.
SELECT kind, value FROM account_scopes WHERE account_id = ? ORDER BY kind, value
