-- What was done to or by an account (all accounts when the parameter, given twice, is NULL),
-- oldest first.
SELECT e.event_id, e.account_id, a.name, e.kind, e.detail, e.by_name, e.at_utc, e.origin
FROM account_events AS e
LEFT JOIN accounts AS a ON a.account_id = e.account_id
WHERE ?::BIGINT IS NULL OR e.account_id = ?
ORDER BY e.event_id
