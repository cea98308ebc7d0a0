-- The directory (parties), their API clients, and the audit log of administrative changes.
CREATE TABLE parties (
    id                   UUID PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('exchange', 'state_authority', 'service_provider')),
    name                 TEXT NOT NULL,
    -- lower-cased, trimmed name: names are unique regardless of case
    name_key             TEXT NOT NULL UNIQUE,
    country              TEXT,
    designations         JSONB NOT NULL,
    legal_entities       JSONB NOT NULL,
    accepted_legal_bases JSONB NOT NULL,
    languages            JSONB NOT NULL,
    emergency_contact    TEXT,
    notification_emails  JSONB NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending_verification', 'active', 'suspended')),
    version              BIGINT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX parties_country_idx ON parties (country, status);

CREATE TABLE api_clients (
    id               UUID PRIMARY KEY,
    party_id         UUID NOT NULL REFERENCES parties (id),
    client_id        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    -- argon2id PHC string; NULL for clients that authenticate only through an external issuer
    secret_hash      TEXT,
    external_issuer  TEXT,
    external_subject TEXT,
    roles            JSONB NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    created_by       UUID,
    revoked_at       TIMESTAMPTZ,
    revoked_by       UUID,
    UNIQUE (external_issuer, external_subject)
);
CREATE INDEX api_clients_party_idx ON api_clients (party_id);

CREATE TABLE audit_log (
    id           UUID PRIMARY KEY,
    occurred_at  TIMESTAMPTZ NOT NULL,
    -- the API client that acted, or NULL for the command line
    actor_client UUID,
    actor_party  UUID,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    details      JSONB NOT NULL
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, occurred_at);
