-- Leases: which replica runs a job that only one may run at a time, and
-- until when (Unix milliseconds); the fence grows whenever it changes hands.
CREATE TABLE leases (
    name          TEXT PRIMARY KEY NOT NULL,
    holder        TEXT NOT NULL,
    fence         BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
