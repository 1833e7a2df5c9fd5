-- Lantern relay, SQLite schema 1. Payloads are ciphertext; tokens are stored only as SHA-256.
CREATE TABLE mailboxes (
    id             TEXT PRIMARY KEY,
    public_key     BLOB NOT NULL,
    created_at     INTEGER NOT NULL,
    next_seq       INTEGER NOT NULL DEFAULT 1,
    envelope_count INTEGER NOT NULL DEFAULT 0,
    envelope_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE capabilities (
    token_hash BLOB PRIMARY KEY,
    id         TEXT NOT NULL,
    mailbox_id TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE UNIQUE INDEX capabilities_by_mailbox ON capabilities(mailbox_id, id);
CREATE TABLE envelopes (
    mailbox_id   TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    id           TEXT NOT NULL,
    payload      BLOB NOT NULL,
    payload_hash BLOB NOT NULL,
    received_at  INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, seq)
);
CREATE UNIQUE INDEX envelopes_by_id ON envelopes(mailbox_id, id);
CREATE INDEX envelopes_by_age ON envelopes(received_at);
CREATE TABLE seen_nonces (
    mailbox_id TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, nonce)
) WITHOUT ROWID;
CREATE INDEX seen_nonces_by_expiry ON seen_nonces(expires_at);
