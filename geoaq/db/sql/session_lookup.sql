-- The session of a token's sha256 with its account (none when unknown).
SELECT s.account_id, s.created_utc, s.expires_utc, s.last_seen_utc, s.ended_utc, s.origin,
       a.name, a.display_name, a.role, a.disabled
FROM account_sessions AS s
JOIN accounts AS a ON a.account_id = s.account_id
WHERE s.token_sha256 = ?
