-- End every open session of an account (disabled, password reset, role changed): ended (UTC),
-- account_id.
UPDATE account_sessions SET ended_utc = ? WHERE account_id = ? AND ended_utc IS NULL
