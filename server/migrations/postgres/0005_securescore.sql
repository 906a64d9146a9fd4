-- The last good Secure Score data, as read from Graph (or the demo catalog):
-- control profiles and daily snapshots as JSON, so unknown fields survive.
CREATE TABLE securescore_data (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    source       TEXT NOT NULL CHECK (source IN ('demo', 'graph')),
    profiles     TEXT NOT NULL,
    snapshots    TEXT NOT NULL,
    refreshed_at BIGINT NOT NULL
);
