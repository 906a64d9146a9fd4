-- The one ServiceNow connection. Secrets are AES-256-GCM sealed (BYTEA);
-- times are Unix seconds.
CREATE TABLE servicenow_connection (
    id                BIGINT PRIMARY KEY CHECK (id = 1),
    instance_url      TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    client_secret     BYTEA NOT NULL,
    access_token      BYTEA,
    access_expires_at BIGINT,
    refresh_token     BYTEA,
    integration_user  TEXT,
    state             TEXT NOT NULL CHECK (state IN ('awaiting_authorization', 'connected', 'needs_reauthorization')),
    last_success_at   BIGINT,
    last_error        TEXT
);

-- Authorisations in progress: the hash of each `state`, its sealed PKCE
-- verifier, who started it and until when it may complete. Single-use.
CREATE TABLE servicenow_authorizations (
    state_hash    TEXT PRIMARY KEY NOT NULL,
    pkce_verifier BYTEA NOT NULL,
    started_by    TEXT NOT NULL,
    expires_at    BIGINT NOT NULL
);

-- The admin's names for ticket states; ServiceNow's apply where none is set.
CREATE TABLE servicenow_state_names (
    ticket_table TEXT NOT NULL CHECK (ticket_table IN ('change_request', 'incident')),
    state_value  TEXT NOT NULL,
    display_name TEXT NOT NULL,
    PRIMARY KEY (ticket_table, state_value)
);

-- Values new tickets start with.
CREATE TABLE servicenow_ticket_defaults (
    id               BIGINT PRIMARY KEY CHECK (id = 1),
    ticket_type      TEXT NOT NULL CHECK (ticket_type IN ('change_request', 'incident')),
    assignment_group TEXT NOT NULL,
    category         TEXT NOT NULL
);

-- Users who answered "No" to "Do you use ServiceNow?".
ALTER TABLE users ADD COLUMN servicenow_offer_dismissed BOOLEAN NOT NULL DEFAULT FALSE;
