-- Accounts, roles and jurisdictions (geoaq.accounts): who may sign in, what each may do and
-- where. No keys, sequences or checks (DuckLake has none): ids come from the counters
-- (account, account_event), a name is claimed (claim:accounts) while an account is added, the
-- roles and scopes are checked by geoaq.accounts. Times are UTC.
CREATE TABLE IF NOT EXISTS accounts (
    account_id        BIGINT NOT NULL,
    name              TEXT NOT NULL,       -- the sign-in name (compared without case)
    display_name      TEXT,                -- the person's name as shown (e.g. 张三)
    role              TEXT NOT NULL,       -- admin / city / county / inspector / viewer
    password_hash     TEXT NOT NULL,       -- argon2id (argon2-cffi's encoded form); never a password
    disabled          BOOLEAN NOT NULL,
    failed_count      INTEGER NOT NULL,    -- failed sign-ins since the last success
    locked_until_utc  TIMESTAMP,           -- set when failed_count reached the limit
    created_at_utc    TIMESTAMP NOT NULL,
    changed_at_utc    TIMESTAMP NOT NULL,
    last_sign_in_utc  TIMESTAMP
);

-- What an account covers: kind 'county' (a county adcode: a county user's jurisdiction) or
-- 'team' (an inspection team an inspector works for). Replaced as a whole when changed.
CREATE TABLE IF NOT EXISTS account_scopes (
    account_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL
);

-- Sessions: the sha256 of the token (the token itself is only in the browser); a session ends
-- at expires_utc, after the idle limit without use, or when signed out (ended_utc).
CREATE TABLE IF NOT EXISTS account_sessions (
    token_sha256  TEXT NOT NULL,
    account_id    BIGINT NOT NULL,
    created_utc   TIMESTAMP NOT NULL,
    expires_utc   TIMESTAMP NOT NULL,
    last_seen_utc TIMESTAMP NOT NULL,
    ended_utc     TIMESTAMP,
    origin        TEXT                 -- where it was opened from (the browser's address, cli:host)
);

-- Everything done to or by an account (append-only): created, role_set, scopes_set,
-- password_reset, disabled, enabled, signed_in, sign_in_failed, locked, signed_out.
CREATE TABLE IF NOT EXISTS account_events (
    event_id    BIGINT NOT NULL,
    account_id  BIGINT,                -- the account it concerns (none for an unknown name)
    kind        TEXT NOT NULL,
    detail      TEXT,
    by_account  BIGINT,                -- who did it (none: the command line's first admin)
    by_name     TEXT,
    at_utc      TIMESTAMP NOT NULL,
    origin      TEXT
);

-- A status change names the signed-in account that made it, its role then, and where from.
ALTER TABLE fire_event_status_history ADD COLUMN IF NOT EXISTS changed_by_account BIGINT;
ALTER TABLE fire_event_status_history ADD COLUMN IF NOT EXISTS changed_by_role TEXT;
ALTER TABLE fire_event_status_history ADD COLUMN IF NOT EXISTS changed_from TEXT;

CREATE OR REPLACE VIEW fire_event_status AS
SELECT * EXCLUDE (rank_in_event) FROM (
    SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY change_id DESC) AS rank_in_event
    FROM fire_event_status_history
) WHERE rank_in_event = 1;

INSERT INTO counters
SELECT name, value FROM (
    SELECT 'account' AS name, 0 AS value
    UNION ALL SELECT 'account_event', 0
    UNION ALL SELECT 'claim:accounts', 0
) AS wanted
WHERE name NOT IN (SELECT name FROM counters);
