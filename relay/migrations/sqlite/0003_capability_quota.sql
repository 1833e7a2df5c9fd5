-- Lantern relay, SQLite schema 3: quotas per capability. Each envelope remembers the hash of the
-- capability token that posted it; each capability counts the envelopes and payload bytes it has
-- waiting. Triggers keep the counts, so every path that removes envelopes (ack, TTL sweep,
-- mailbox deletion) releases them. Envelopes stored before this migration count for nobody.
ALTER TABLE envelopes ADD COLUMN capability_hash BLOB;
ALTER TABLE capabilities ADD COLUMN envelope_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE capabilities ADD COLUMN envelope_bytes INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER envelopes_count_capability AFTER INSERT ON envelopes
WHEN NEW.capability_hash IS NOT NULL
BEGIN
    UPDATE capabilities SET envelope_count = envelope_count + 1,
        envelope_bytes = envelope_bytes + length(NEW.payload)
    WHERE token_hash = NEW.capability_hash;
END;
CREATE TRIGGER envelopes_uncount_capability AFTER DELETE ON envelopes
WHEN OLD.capability_hash IS NOT NULL
BEGIN
    UPDATE capabilities SET envelope_count = envelope_count - 1,
        envelope_bytes = envelope_bytes - length(OLD.payload)
    WHERE token_hash = OLD.capability_hash;
END;
