-- Add an account: account_id, name, display_name, role, password_hash, created/changed time.
INSERT INTO accounts (account_id, name, display_name, role, password_hash, disabled, failed_count,
                      locked_until_utc, created_at_utc, changed_at_utc, last_sign_in_utc)
VALUES (?, ?, ?, ?, ?, FALSE, 0, NULL, ?, ?, NULL)
