-- The directory (parties), their API clients, and the audit log of administrative changes.
-- UUIDs, times and JSON are TEXT here (native types on PostgreSQL).
CREATE TABLE parties (
    id                   TEXT PRIMARY KEY NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('exchange', 'state_authority', 'service_provider')),
    name                 TEXT NOT NULL,
    -- lower-cased, trimmed name: names are unique regardless of case
    name_key             TEXT NOT NULL UNIQUE,
    country              TEXT,
    designations         TEXT NOT NULL CHECK (json_valid(designations)),
    legal_entities       TEXT NOT NULL CHECK (json_valid(legal_entities)),
    accepted_legal_bases TEXT NOT NULL CHECK (json_valid(accepted_legal_bases)),
    languages            TEXT NOT NULL CHECK (json_valid(languages)),
    emergency_contact    TEXT,
    notification_emails  TEXT NOT NULL CHECK (json_valid(notification_emails)),
    status               TEXT NOT NULL CHECK (status IN ('pending_verification', 'active', 'suspended')),
    version              BIGINT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX parties_country_idx ON parties (country, status);

CREATE TABLE api_clients (
    id               TEXT PRIMARY KEY NOT NULL,
    party_id         TEXT NOT NULL REFERENCES parties (id),
    client_id        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    -- argon2id PHC string; NULL for clients that authenticate only through an external issuer
    secret_hash      TEXT,
    external_issuer  TEXT,
    external_subject TEXT,
    roles            TEXT NOT NULL CHECK (json_valid(roles)),
    created_at       TEXT NOT NULL,
    created_by       TEXT,
    revoked_at       TEXT,
    revoked_by       TEXT,
    UNIQUE (external_issuer, external_subject)
);
CREATE INDEX api_clients_party_idx ON api_clients (party_id);

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY NOT NULL,
    occurred_at  TEXT NOT NULL,
    -- the API client that acted, or NULL for the command line
    actor_client TEXT,
    actor_party  TEXT,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    details      TEXT NOT NULL CHECK (json_valid(details))
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, occurred_at);
