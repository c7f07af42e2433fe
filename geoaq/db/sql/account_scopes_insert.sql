-- Write an account's scopes: account_id, then kinds and values as two TEXT[] zipped by position.
INSERT INTO account_scopes (account_id, kind, value)
SELECT ?::BIGINT, unnest(?::TEXT[]), unnest(?::TEXT[])
