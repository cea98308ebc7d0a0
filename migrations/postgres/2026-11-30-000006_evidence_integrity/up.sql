-- Chain of custody: each request event stores the SHA-256 of the previous event and of
-- itself; attachments are stored content-addressed; submitted requests are signed documents.
ALTER TABLE request_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE request_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';

CREATE TABLE attachments (
    id            UUID PRIMARY KEY,
    request_id    UUID NOT NULL REFERENCES requests (id),
    party_id      UUID NOT NULL REFERENCES parties (id),
    client_id     UUID NOT NULL,
    sha256        TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    media_type    TEXT NOT NULL,
    file_name     TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_request_idx ON attachments (request_id, id);

CREATE TABLE request_documents (
    id          UUID PRIMARY KEY,
    request_id  UUID NOT NULL REFERENCES requests (id),
    event_seq   INTEGER NOT NULL,
    kid         TEXT NOT NULL,
    jws         TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (request_id, event_seq)
);

ALTER TABLE request_responses ADD COLUMN attachments JSONB NOT NULL DEFAULT '[]';
