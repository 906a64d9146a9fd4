-- Every ticket ScoreNow sends to ServiceNow, from the moment it is asked for:
-- a ticket is stored before it is sent, so a crash or an unreachable instance
-- never loses it. Times are Unix seconds; `due_date` is `yyyy-mm-dd` (UTC).
CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    -- One per share dialog: the same dialog sent twice is one ticket.
    request_key       TEXT NOT NULL UNIQUE,
    ticket_table      TEXT NOT NULL CHECK (ticket_table IN ('change_request', 'incident')),
    -- The improvement action shared; NULL for a user recommendation.
    action_id         TEXT,
    source            TEXT NOT NULL CHECK (source IN ('microsoft', 'user')),
    category          TEXT NOT NULL,
    short_description TEXT NOT NULL,
    -- As sent: the user's text and ScoreNow's footer.
    description       TEXT NOT NULL,
    priority          INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5),
    due_date          TEXT NOT NULL,
    correlation_id    TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    delivery          TEXT NOT NULL CHECK (delivery IN ('queued', 'created', 'refused')),
    -- Failed attempts so far (the backoff grows with them).
    attempts          INTEGER NOT NULL DEFAULT 0,
    -- An attempt may have reached ServiceNow: look the ticket up before sending again.
    maybe_sent        INTEGER NOT NULL DEFAULT 0 CHECK (maybe_sent IN (0, 1)),
    next_attempt_at   INTEGER,
    -- A sender holds the ticket until then (a lease, so a dead sender's claim
    -- lapses), and writes its outcome only while its claim token is still there.
    claimed_until     INTEGER,
    claim_token       TEXT,
    -- The last failure's kind (`RateLimited`), while queued or refused.
    last_problem      TEXT,
    sys_id            TEXT UNIQUE,
    number            TEXT,
    state             TEXT,
    -- Neither closed nor canceled in ServiceNow (nor refused).
    open              INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    sys_updated_on    TEXT,
    -- The work note "completed in Secure Score" was added.
    completion_noted  INTEGER NOT NULL DEFAULT 0 CHECK (completion_noted IN (0, 1))
) STRICT;

-- One open ticket per action and type.
CREATE UNIQUE INDEX tickets_one_open_per_action
    ON tickets (action_id, ticket_table) WHERE action_id IS NOT NULL AND open = 1;
CREATE INDEX tickets_queue ON tickets (next_attempt_at) WHERE delivery = 'queued';
CREATE INDEX tickets_by_table ON tickets (ticket_table, created_at);
CREATE INDEX tickets_by_created ON tickets (created_at);

-- How far the sync has read each table: the newest `sys_updated_on` seen.
CREATE TABLE ticket_sync (
    ticket_table TEXT PRIMARY KEY NOT NULL CHECK (ticket_table IN ('change_request', 'incident')),
    watermark    TEXT NOT NULL
) STRICT;
