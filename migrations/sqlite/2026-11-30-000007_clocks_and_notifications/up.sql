-- (SQLite: UUIDs, times and JSON are TEXT; native types on PostgreSQL.)
-- Legal clocks of requests, party targets for bases with no legal time, the portable job
-- queue (outbox), the in-app feed, and webhook subscriptions with their deliveries.
CREATE TABLE clocks (
    id                       TEXT PRIMARY KEY NOT NULL,
    request_id               TEXT NOT NULL REFERENCES requests (id),
    party_id                 TEXT NOT NULL REFERENCES parties (id),
    kind                     TEXT NOT NULL,
    obligation_of            TEXT NOT NULL,
    state                    TEXT NOT NULL,
    started_at               TEXT NOT NULL,
    due_at                   TEXT NOT NULL,
    span_secs                BIGINT NOT NULL,
    remaining_secs           BIGINT,
    binding                  BOOLEAN NOT NULL,
    emergency                BOOLEAN NOT NULL,
    pauses_on_clarification  BOOLEAN NOT NULL,
    citation                 TEXT NOT NULL,
    next_reminder_at         TEXT,
    closed_at                TEXT,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL
);
-- The scanner reads only clocks whose next reminder is due: its cost follows due clocks.
CREATE INDEX clocks_next_reminder_idx ON clocks (next_reminder_at);
CREATE INDEX clocks_request_idx ON clocks (request_id);
CREATE INDEX clocks_due_idx ON clocks (state, due_at);

CREATE TABLE party_clock_targets (
    party_id      TEXT NOT NULL REFERENCES parties (id),
    legal_basis   TEXT NOT NULL REFERENCES legal_bases (code),
    clock_kind    TEXT NOT NULL,
    duration_secs BIGINT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (party_id, legal_basis, clock_kind)
);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL CHECK (json_valid(payload)),
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    run_at       TEXT NOT NULL,
    locked_by    TEXT,
    locked_until TEXT,
    last_error   TEXT,
    dedupe_key   TEXT UNIQUE,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX jobs_ready_idx ON jobs (state, run_at);

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY NOT NULL,
    party_id    TEXT NOT NULL REFERENCES parties (id),
    request_id  TEXT REFERENCES requests (id),
    event_type  TEXT NOT NULL,
    summary     TEXT NOT NULL,
    data        TEXT NOT NULL CHECK (json_valid(data)),
    created_at  TEXT NOT NULL,
    read_at     TEXT
);
CREATE INDEX notifications_party_idx ON notifications (party_id, id);

CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY NOT NULL,
    party_id    TEXT NOT NULL REFERENCES parties (id),
    url         TEXT NOT NULL,
    event_types TEXT NOT NULL CHECK (json_valid(event_types)),
    secret      TEXT NOT NULL,
    description TEXT,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX webhooks_party_idx ON webhooks (party_id);

CREATE TABLE webhook_deliveries (
    id          TEXT PRIMARY KEY NOT NULL,
    webhook_id  TEXT NOT NULL REFERENCES webhooks (id),
    job_id      TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms BIGINT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);

-- One row per reminder ever sent (clock id and offset): any number of rescans, by any number
-- of instances, send each reminder once.
CREATE TABLE sent_reminders (
    dedupe_key TEXT PRIMARY KEY NOT NULL,
    sent_at    TEXT NOT NULL
);
