-- Requests for evidence, their participants (routing path), events, clarifications, messages
-- and responses; per-country reference counters; idempotency keys.
ALTER TABLE parties ADD COLUMN requires_approval BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE reference_counters (
    country TEXT NOT NULL,
    year    INTEGER NOT NULL,
    last    BIGINT NOT NULL,
    PRIMARY KEY (country, year)
);

CREATE TABLE requests (
    id                      UUID PRIMARY KEY,
    reference               TEXT NOT NULL UNIQUE,
    legal_basis             TEXT NOT NULL REFERENCES legal_bases (code),
    kind                    TEXT NOT NULL,
    priority                TEXT NOT NULL,
    status                  TEXT NOT NULL,
    issuer_party            UUID NOT NULL REFERENCES parties (id),
    addressee_party         UUID NOT NULL REFERENCES parties (id),
    enforcing_party         UUID REFERENCES parties (id),
    addressee_entity        JSONB,
    content                 JSONB NOT NULL,
    follow_up_of            UUID REFERENCES requests (id),
    drafted_by              UUID NOT NULL,
    outcome                 TEXT,
    submitted_at            TIMESTAMPTZ,
    preservation_expires_at TIMESTAMPTZ,
    extensions_used         INTEGER NOT NULL,
    version                 BIGINT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX requests_issuer_idx ON requests (issuer_party, id);
CREATE INDEX requests_status_idx ON requests (status, id);
CREATE INDEX requests_follow_up_idx ON requests (follow_up_of);

-- Every party that may see a request: issuer, addressee, enforcing authority, and every
-- earlier addressee on its routing path.
CREATE TABLE request_participants (
    request_id UUID NOT NULL REFERENCES requests (id),
    party_id   UUID NOT NULL REFERENCES parties (id),
    role       TEXT NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (request_id, party_id, role)
);
CREATE INDEX request_participants_party_idx ON request_participants (party_id, request_id);

CREATE TABLE request_events (
    id           UUID PRIMARY KEY,
    request_id   UUID NOT NULL REFERENCES requests (id),
    seq          INTEGER NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    actor_client UUID,
    actor_party  UUID,
    event_type   TEXT NOT NULL,
    data         JSONB NOT NULL,
    UNIQUE (request_id, seq)
);

CREATE TABLE clarifications (
    id          UUID PRIMARY KEY,
    request_id  UUID NOT NULL REFERENCES requests (id),
    asked_by    UUID NOT NULL REFERENCES parties (id),
    question    TEXT NOT NULL,
    asked_at    TIMESTAMPTZ NOT NULL,
    answer      TEXT,
    answered_at TIMESTAMPTZ
);
CREATE INDEX clarifications_request_idx ON clarifications (request_id);

CREATE TABLE request_messages (
    id           UUID PRIMARY KEY,
    request_id   UUID NOT NULL REFERENCES requests (id),
    author_party UUID NOT NULL REFERENCES parties (id),
    author_client UUID NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX request_messages_request_idx ON request_messages (request_id, id);

CREATE TABLE request_responses (
    id              UUID PRIMARY KEY,
    request_id      UUID NOT NULL REFERENCES requests (id),
    party_id        UUID NOT NULL REFERENCES parties (id),
    outcome         TEXT NOT NULL,
    refusal_reason  TEXT,
    text            TEXT NOT NULL,
    preserved_until TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX request_responses_request_idx ON request_responses (request_id);

-- A retried POST with the same key returns the first answer (kept 24 hours).
CREATE TABLE idempotency_keys (
    client_id       UUID NOT NULL,
    idem_key        TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body   TEXT NOT NULL,
    response_headers JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
