-- Lantern relay, PostgreSQL schema 5: the per-capability counts of schema 3 are kept once per
-- statement instead of once per envelope. A group commit inserts a whole batch in one statement;
-- the row-level trigger updated the capability's row once per envelope, so a busy capability
-- piled up row versions that every later lookup had to step over (most of PostgreSQL's time
-- under load went there). Same counts, same lock order (the mailbox row is locked first), one
-- UPDATE per capability per statement, for inserts, acks, sweeps and cascaded deletes alike.
DROP TRIGGER envelopes_count_capability ON envelopes;
DROP FUNCTION lantern_count_capability();
CREATE FUNCTION lantern_count_capability_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE capabilities c SET envelope_count = c.envelope_count + n.envelopes,
        envelope_bytes = c.envelope_bytes + n.bytes
    FROM (SELECT capability_hash, count(*) AS envelopes, sum(octet_length(payload)) AS bytes
            FROM inserted WHERE capability_hash IS NOT NULL GROUP BY capability_hash) n
    WHERE c.token_hash = n.capability_hash;
    RETURN NULL;
END
$$;
CREATE FUNCTION lantern_count_capability_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE capabilities c SET envelope_count = c.envelope_count - n.envelopes,
        envelope_bytes = c.envelope_bytes - n.bytes
    FROM (SELECT capability_hash, count(*) AS envelopes, sum(octet_length(payload)) AS bytes
            FROM deleted WHERE capability_hash IS NOT NULL GROUP BY capability_hash) n
    WHERE c.token_hash = n.capability_hash;
    RETURN NULL;
END
$$;
CREATE TRIGGER envelopes_count_capability_inserted AFTER INSERT ON envelopes
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION lantern_count_capability_inserted();
CREATE TRIGGER envelopes_count_capability_deleted AFTER DELETE ON envelopes
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION lantern_count_capability_deleted();
