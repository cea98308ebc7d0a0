-- One row per running instance, written by the readiness probe: a database that no longer
-- accepts writes (read-only standby after a failover, full disk) makes /readyz answer 503.
CREATE TABLE instance_heartbeats (
    instance TEXT PRIMARY KEY NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL
);
