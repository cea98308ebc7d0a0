-- Each request carries the head of its audit chain: the number and hash of its last event,
-- kept by the database as each event is inserted (issue 16). An action reads the head with the
-- request's row, under the row's lock (`SELECT … FOR UPDATE` waits for a concurrent action and
-- then reads the row as that action left it), so an event links after its predecessor without
-- a statement of its own. `head_hash` is NULL before the first event (the chain's genesis).
ALTER TABLE requests ADD COLUMN head_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN head_hash TEXT;

UPDATE requests r SET head_seq = e.seq, head_hash = e.hash
FROM (SELECT DISTINCT ON (request_id) request_id, seq, hash
      FROM request_events ORDER BY request_id, seq DESC) e
WHERE e.request_id = r.id;

CREATE FUNCTION requests_chain_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE requests SET head_seq = NEW.seq, head_hash = NEW.hash WHERE id = NEW.request_id;
    RETURN NULL;
END $$;

CREATE TRIGGER requests_chain_head AFTER INSERT ON request_events
    FOR EACH ROW EXECUTE FUNCTION requests_chain_head();
