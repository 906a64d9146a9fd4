-- The Microsoft Graph tenant an admin set in the UI (the environment's, if
-- any, takes precedence). The client secret is AES-256-GCM sealed.
CREATE TABLE graph_connection (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id     TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    client_secret BLOB NOT NULL
) STRICT;
