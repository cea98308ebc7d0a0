-- Signed checkpoints: after every event of a request the exchange signs the chain's head
-- (request id, event number, event hash, digest of the request as it stands), so that an
-- exported history is valid only up to an event the exchange's key signed. Responses are
-- signed documents too, beside the request documents.
CREATE TABLE event_checkpoints (
    request_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kid         TEXT NOT NULL,
    jws         TEXT NOT NULL,
    PRIMARY KEY (request_id, seq),
    FOREIGN KEY (request_id, seq) REFERENCES request_events (request_id, seq)
);

ALTER TABLE request_documents ADD COLUMN kind TEXT NOT NULL DEFAULT 'request'
    CHECK (kind IN ('request', 'response'));
