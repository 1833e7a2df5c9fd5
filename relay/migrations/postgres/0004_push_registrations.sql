-- Lantern relay, PostgreSQL schema 4: push registrations. A mailbox's owner asks to be woken at
-- an endpoint (a UnifiedPush endpoint or an operator's gateway) when an envelope arrives; each
-- wake-up is an HTTP POST whose body is the owner's opaque token and nothing else. One row per
-- (mailbox, endpoint); removed with the mailbox. Registrations lock the mailbox row first, so the
-- per-mailbox limit holds with several relays.
CREATE TABLE push_registrations (
    mailbox_id TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    endpoint   TEXT NOT NULL,
    token      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (mailbox_id, id)
);
CREATE UNIQUE INDEX push_registrations_by_endpoint ON push_registrations(mailbox_id, endpoint);
