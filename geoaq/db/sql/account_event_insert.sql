-- Record something done to or by an account (append-only): event_id, account_id, kind, detail,
-- by_account, by_name, at_utc, origin.
INSERT INTO account_events (event_id, account_id, kind, detail, by_account, by_name, at_utc, origin)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
