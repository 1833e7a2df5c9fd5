-- Lantern relay, SQLite schema 2: tombstones of acknowledged envelopes. The payload is gone;
-- the id, its seq and the payload's SHA-256 stay until the envelope's TTL would have ended, so
-- a sender's retry after the ack answers "duplicate" (or "conflict") instead of storing it again.
-- Not counted in the mailbox quota, never listed, removed with the mailbox.
CREATE TABLE acked_envelopes (
    mailbox_id   TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    payload_hash BLOB NOT NULL,
    received_at  INTEGER NOT NULL,
    acked_at     INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, id)
) WITHOUT ROWID;
CREATE INDEX acked_envelopes_by_age ON acked_envelopes(received_at);
