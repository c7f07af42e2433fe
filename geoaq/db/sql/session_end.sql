-- End one session (signed out, expired): ended (UTC), token_sha256.
UPDATE account_sessions SET ended_utc = ? WHERE token_sha256 = ? AND ended_utc IS NULL
