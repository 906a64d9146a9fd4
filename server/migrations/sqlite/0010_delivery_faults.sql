-- Ticket delivery under real-world faults.
-- `request_key` is from now on made by the server (it is what the ticket's
-- `correlation_id` and footer carry); the browser's idempotency token is
-- `client_token`, one ticket per token and user.
ALTER TABLE tickets ADD COLUMN client_token TEXT;
UPDATE tickets SET client_token = request_key;
CREATE UNIQUE INDEX tickets_client_token ON tickets (created_by, client_token);
-- What ServiceNow said with the last failure (its message, never ours).
ALTER TABLE tickets ADD COLUMN problem_detail TEXT;
-- The completion work note: lasting failures so far, and why it gave up.
ALTER TABLE tickets ADD COLUMN note_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN note_problem TEXT;
-- The connection's epoch: a fresh random value whenever its tokens are no
-- longer the ones a refresh in flight may replace (another instance or
-- client, a new authorisation); tokens are stored only under the epoch they
-- were obtained in.
ALTER TABLE servicenow_connection ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
