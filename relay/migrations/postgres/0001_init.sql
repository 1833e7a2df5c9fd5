-- Lantern relay, PostgreSQL schema 1. Payloads are ciphertext; tokens are stored only as SHA-256.
CREATE TABLE mailboxes (
    id             TEXT PRIMARY KEY,
    public_key     BYTEA NOT NULL,
    created_at     BIGINT NOT NULL,
    next_seq       BIGINT NOT NULL DEFAULT 1,
    envelope_count BIGINT NOT NULL DEFAULT 0,
    envelope_bytes BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE capabilities (
    token_hash BYTEA PRIMARY KEY,
    id         TEXT NOT NULL,
    mailbox_id TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX capabilities_by_mailbox ON capabilities(mailbox_id, id);
CREATE TABLE envelopes (
    mailbox_id   TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    id           TEXT NOT NULL,
    payload      BYTEA NOT NULL,
    payload_hash BYTEA NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (mailbox_id, seq)
);
CREATE UNIQUE INDEX envelopes_by_id ON envelopes(mailbox_id, id);
CREATE INDEX envelopes_by_age ON envelopes(received_at);
CREATE TABLE seen_nonces (
    mailbox_id TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (mailbox_id, nonce)
);
CREATE INDEX seen_nonces_by_expiry ON seen_nonces(expires_at);
