-- Failed sign-ins per throttle key (an account or a client address), in the
-- database so that every replica sees the same counts.
CREATE TABLE sign_in_failures (
    key             TEXT PRIMARY KEY NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_ms BIGINT NOT NULL
);

CREATE INDEX sign_in_failures_by_age ON sign_in_failures (last_failure_ms);

-- When the session's user last confirmed their password (re-authentication
-- before the most sensitive admin actions).
ALTER TABLE sessions ADD COLUMN confirmed_at BIGINT;
