-- Request policies (issue 18 item 2): what a party needs in the requests it receives, published
-- by its party administrator. `parties.request_policy` is the current version (shown in the
-- directory); `party_policies` keeps every version, so that a check can name the one it used.
ALTER TABLE parties ADD COLUMN request_policy JSONB;

CREATE TABLE party_policies (
    party_id     UUID NOT NULL REFERENCES parties (id),
    version      BIGINT NOT NULL,
    policy       JSONB NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by UUID,
    PRIMARY KEY (party_id, version)
);
