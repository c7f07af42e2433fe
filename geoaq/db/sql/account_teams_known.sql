-- The inspection teams named in the accounts' scopes (kind 'team'), sorted.
SELECT DISTINCT value FROM account_scopes WHERE kind = 'team' ORDER BY value
