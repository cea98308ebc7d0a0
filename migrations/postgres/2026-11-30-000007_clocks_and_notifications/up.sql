-- Legal clocks of requests, party targets for bases with no legal time, the portable job
-- queue (outbox), the in-app feed, and webhook subscriptions with their deliveries.
CREATE TABLE clocks (
    id                       UUID PRIMARY KEY,
    request_id               UUID NOT NULL REFERENCES requests (id),
    party_id                 UUID NOT NULL REFERENCES parties (id),
    kind                     TEXT NOT NULL,
    obligation_of            TEXT NOT NULL,
    state                    TEXT NOT NULL,
    started_at               TIMESTAMPTZ NOT NULL,
    due_at                   TIMESTAMPTZ NOT NULL,
    span_secs                BIGINT NOT NULL,
    remaining_secs           BIGINT,
    binding                  BOOLEAN NOT NULL,
    emergency                BOOLEAN NOT NULL,
    pauses_on_clarification  BOOLEAN NOT NULL,
    citation                 TEXT NOT NULL,
    next_reminder_at         TIMESTAMPTZ,
    closed_at                TIMESTAMPTZ,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL
);
-- The scanner reads only clocks whose next reminder is due: its cost follows due clocks.
CREATE INDEX clocks_next_reminder_idx ON clocks (next_reminder_at);
CREATE INDEX clocks_request_idx ON clocks (request_id);
CREATE INDEX clocks_due_idx ON clocks (state, due_at);

CREATE TABLE party_clock_targets (
    party_id      UUID NOT NULL REFERENCES parties (id),
    legal_basis   TEXT NOT NULL REFERENCES legal_bases (code),
    clock_kind    TEXT NOT NULL,
    duration_secs BIGINT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (party_id, legal_basis, clock_kind)
);

CREATE TABLE jobs (
    id           UUID PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      JSONB NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    locked_by    TEXT,
    locked_until TIMESTAMPTZ,
    last_error   TEXT,
    dedupe_key   TEXT UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_ready_idx ON jobs (state, run_at);

CREATE TABLE notifications (
    id          UUID PRIMARY KEY,
    party_id    UUID NOT NULL REFERENCES parties (id),
    request_id  UUID REFERENCES requests (id),
    event_type  TEXT NOT NULL,
    summary     TEXT NOT NULL,
    data        JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ
);
CREATE INDEX notifications_party_idx ON notifications (party_id, id);

CREATE TABLE webhooks (
    id          UUID PRIMARY KEY,
    party_id    UUID NOT NULL REFERENCES parties (id),
    url         TEXT NOT NULL,
    event_types JSONB NOT NULL,
    secret      TEXT NOT NULL,
    description TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    deleted_at  TIMESTAMPTZ
);
CREATE INDEX webhooks_party_idx ON webhooks (party_id);

CREATE TABLE webhook_deliveries (
    id          UUID PRIMARY KEY,
    webhook_id  UUID NOT NULL REFERENCES webhooks (id),
    job_id      UUID NOT NULL,
    message_id  TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);

-- One row per reminder ever sent (clock id and offset): any number of rescans, by any number
-- of instances, send each reminder once.
CREATE TABLE sent_reminders (
    dedupe_key TEXT PRIMARY KEY NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL
);
