-- Each request carries the head of its audit chain: the number and hash of its last event,
-- kept by the database as each event is inserted (issue 16). An action reads the head with the
-- request's row (SQLite has one writer at a time, whose transaction begins IMMEDIATE), so an
-- event links after its predecessor without a statement of its own. `head_hash` is NULL before
-- the first event (the chain's genesis).
ALTER TABLE requests ADD COLUMN head_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN head_hash TEXT;

UPDATE requests SET
    head_seq = (SELECT e.seq FROM request_events e WHERE e.request_id = requests.id ORDER BY e.seq DESC LIMIT 1),
    head_hash = (SELECT e.hash FROM request_events e WHERE e.request_id = requests.id ORDER BY e.seq DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = requests.id);

CREATE TRIGGER requests_chain_head AFTER INSERT ON request_events
BEGIN
    UPDATE requests SET head_seq = NEW.seq, head_hash = NEW.hash WHERE id = NEW.request_id;
END;
