-- The `postgres` attachment store's tables (issue 17). That store needs PostgreSQL and is
-- refused on SQLite at start-up; the tables exist here too so that both backends keep one
-- schema (tests/api/migrations.rs) and one set of diesel table definitions.
CREATE TABLE attachment_blobs (
    id TEXT PRIMARY KEY NOT NULL,
    sha256 TEXT UNIQUE,
    size_bytes BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX attachment_blobs_incomplete ON attachment_blobs (created_at) WHERE sha256 IS NULL;

CREATE TABLE attachment_chunks (
    blob_id TEXT NOT NULL REFERENCES attachment_blobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (blob_id, seq)
);
