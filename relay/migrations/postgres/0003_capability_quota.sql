-- Lantern relay, PostgreSQL schema 3: quotas per capability. Each envelope remembers the hash of
-- the capability token that posted it; each capability counts the envelopes and payload bytes it
-- has waiting. A trigger keeps the counts, so every path that removes envelopes (ack, TTL sweep,
-- mailbox deletion) releases them. Envelopes stored before this migration count for nobody.
-- Posts, acks and sweeps lock the mailbox row first, and a capability belongs to one mailbox, so
-- the counts are read and changed under that lock.
ALTER TABLE envelopes ADD COLUMN capability_hash BYTEA;
ALTER TABLE capabilities ADD COLUMN envelope_count BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN envelope_bytes BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION lantern_count_capability() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.capability_hash IS NOT NULL THEN
            UPDATE capabilities SET envelope_count = envelope_count + 1,
                envelope_bytes = envelope_bytes + octet_length(NEW.payload)
            WHERE token_hash = NEW.capability_hash;
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.capability_hash IS NOT NULL THEN
        UPDATE capabilities SET envelope_count = envelope_count - 1,
            envelope_bytes = envelope_bytes - octet_length(OLD.payload)
        WHERE token_hash = OLD.capability_hash;
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER envelopes_count_capability AFTER INSERT OR DELETE ON envelopes
    FOR EACH ROW EXECUTE FUNCTION lantern_count_capability();
