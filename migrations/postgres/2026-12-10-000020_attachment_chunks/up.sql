-- The `postgres` attachment store (issue 17): content in the database, in chunks, so that every
-- instance on one database serves every attachment. One row per upload; `sha256` is set when
-- the body is complete and is unique (two uploads of the same content keep one copy), NULL while
-- it is written (a row with no digest older than an hour belongs to an upload cut off by a
-- crash and is swept at start-up).
CREATE TABLE attachment_blobs (
    id UUID PRIMARY KEY NOT NULL,
    sha256 TEXT UNIQUE,
    size_bytes BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachment_blobs_incomplete ON attachment_blobs (created_at) WHERE sha256 IS NULL;

-- 1 MiB per row (the last of a body may be shorter), read back one row per query. Stored out
-- of line (TOAST) without compression: evidence is mostly compressed already (PDF, images,
-- archives), and trying to compress every chunk would only cost CPU on the way in.
CREATE TABLE attachment_chunks (
    blob_id UUID NOT NULL REFERENCES attachment_blobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (blob_id, seq)
);
ALTER TABLE attachment_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;
