-- Deconfliction (issue 18): a party may opt out of it entirely, and publishes where others
-- reach it about a hit.
ALTER TABLE parties ADD COLUMN deconfliction BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE parties ADD COLUMN deconfliction_contact TEXT;

-- One row per target of a submitted request that takes part in deconfliction: the keyed hash
-- (HMAC-SHA256 under the exchange's deconfliction key, hex) of the target's canonical form,
-- never the target itself. The primary key leads with the hash: matching is one index lookup.
CREATE TABLE deconfliction_targets (
    hash        TEXT NOT NULL,
    request_id  UUID NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    party_id    UUID NOT NULL REFERENCES parties (id),
    target_type TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (hash, request_id)
);
CREATE INDEX deconfliction_targets_request ON deconfliction_targets (request_id);

-- A match between the request just submitted (`request_a`, of `party_a`) and an open request
-- of another party (`request_b`, of `party_b`) on a target of one type.
CREATE TABLE deconfliction_hits (
    id          UUID PRIMARY KEY NOT NULL,
    target_type TEXT NOT NULL,
    request_a   UUID NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    party_a     UUID NOT NULL REFERENCES parties (id),
    request_b   UUID NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    party_b     UUID NOT NULL REFERENCES parties (id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX deconfliction_hits_party_a ON deconfliction_hits (party_a, id);
CREATE INDEX deconfliction_hits_party_b ON deconfliction_hits (party_b, id);
