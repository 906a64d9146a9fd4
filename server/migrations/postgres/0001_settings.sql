-- Installation-wide settings as key/value pairs (JSON values). Times are
-- text in SQLite's format (`2026-01-31T12:00:00.000Z`, UTC), so that both
-- databases store and return the same strings.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
);
