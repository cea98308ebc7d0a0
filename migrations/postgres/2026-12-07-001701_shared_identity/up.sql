-- The exchange's signing keys, shared by every instance on this database (issue 17). The
-- private half is sealed with XChaCha20-Poly1305 under ROGATORY_KEY_ENCRYPTION_KEY (the kid
-- is the associated data); NULL for a key imported to verify only. The signing key is the
-- non-retired key with the latest activated_at that has come; a retired key verifies nothing.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    public_key TEXT NOT NULL,
    private_key TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    activated_at TIMESTAMPTZ NOT NULL,
    retired_at TIMESTAMPTZ
);

-- Failed token requests as leaky buckets, shared by every instance: `bucket` names the limit
-- and its key (pair, address, client), `level` the failures held at `at_secs` (Unix seconds).
CREATE TABLE token_failures (
    bucket TEXT PRIMARY KEY NOT NULL,
    level DOUBLE PRECISION NOT NULL,
    at_secs DOUBLE PRECISION NOT NULL
);
CREATE INDEX token_failures_at ON token_failures (at_secs);
