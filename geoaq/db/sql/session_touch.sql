-- A session was used: last_seen (UTC), token_sha256.
UPDATE account_sessions SET last_seen_utc = ? WHERE token_sha256 = ? AND ended_utc IS NULL
