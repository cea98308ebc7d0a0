-- Chain of custody: each request event stores the SHA-256 of the previous event and of
-- itself; attachments are stored content-addressed; submitted requests are signed documents.
-- (SQLite: UUIDs, times and JSON are TEXT; native types on PostgreSQL.)
ALTER TABLE request_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE request_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY NOT NULL,
    request_id    TEXT NOT NULL REFERENCES requests (id),
    party_id      TEXT NOT NULL REFERENCES parties (id),
    client_id     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    media_type    TEXT NOT NULL,
    file_name     TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX attachments_request_idx ON attachments (request_id, id);

CREATE TABLE request_documents (
    id          TEXT PRIMARY KEY NOT NULL,
    request_id  TEXT NOT NULL REFERENCES requests (id),
    event_seq   INTEGER NOT NULL,
    kid         TEXT NOT NULL,
    jws         TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (request_id, event_seq)
);

ALTER TABLE request_responses ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(attachments));
