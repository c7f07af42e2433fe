-- Open a session: token_sha256, account_id, created, expires, last_seen (UTC), origin.
INSERT INTO account_sessions (token_sha256, account_id, created_utc, expires_utc, last_seen_utc,
                              ended_utc, origin)
VALUES (?, ?, ?, ?, ?, NULL, ?)
