-- One row per running instance, written by the readiness probe: a database that no longer
-- accepts writes (read-only file or file system, full disk) makes /readyz answer 503.
CREATE TABLE instance_heartbeats (
    instance TEXT PRIMARY KEY NOT NULL,
    seen_at TEXT NOT NULL
);
