-- Request policies (issue 18 item 2): what a party needs in the requests it receives, published
-- by its party administrator. `parties.request_policy` is the current version (shown in the
-- directory); `party_policies` keeps every version, so that a check can name the one it used.
ALTER TABLE parties ADD COLUMN request_policy TEXT CHECK (request_policy IS NULL OR json_valid(request_policy));

CREATE TABLE party_policies (
    party_id     TEXT NOT NULL REFERENCES parties (id),
    version      BIGINT NOT NULL,
    policy       TEXT NOT NULL CHECK (json_valid(policy)),
    published_at TEXT NOT NULL,
    published_by TEXT,
    PRIMARY KEY (party_id, version)
);
