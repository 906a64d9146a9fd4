-- The one ServiceNow connection. Secrets are AES-256-GCM sealed (BLOBs);
-- times are Unix seconds.
CREATE TABLE servicenow_connection (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    instance_url      TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    client_secret     BLOB NOT NULL,
    access_token      BLOB,
    access_expires_at INTEGER,
    refresh_token     BLOB,
    integration_user  TEXT,
    state             TEXT NOT NULL CHECK (state IN ('awaiting_authorization', 'connected', 'needs_reauthorization')),
    last_success_at   INTEGER,
    last_error        TEXT
) STRICT;

-- Authorisations in progress: the hash of each `state`, its sealed PKCE
-- verifier, who started it and until when it may complete. Single-use.
CREATE TABLE servicenow_authorizations (
    state_hash    TEXT PRIMARY KEY NOT NULL,
    pkce_verifier BLOB NOT NULL,
    started_by    TEXT NOT NULL,
    expires_at    INTEGER NOT NULL
) STRICT;

-- The admin's names for ticket states; ServiceNow's apply where none is set.
CREATE TABLE servicenow_state_names (
    ticket_table TEXT NOT NULL CHECK (ticket_table IN ('change_request', 'incident')),
    state_value  TEXT NOT NULL,
    display_name TEXT NOT NULL,
    PRIMARY KEY (ticket_table, state_value)
) STRICT;

-- Values new tickets start with.
CREATE TABLE servicenow_ticket_defaults (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    ticket_type      TEXT NOT NULL CHECK (ticket_type IN ('change_request', 'incident')),
    assignment_group TEXT NOT NULL,
    category         TEXT NOT NULL
) STRICT;

-- Users who answered "No" to "Do you use ServiceNow?".
ALTER TABLE users ADD COLUMN servicenow_offer_dismissed INTEGER NOT NULL DEFAULT 0 CHECK (servicenow_offer_dismissed IN (0, 1));
