CREATE TABLE deconfliction_targets_by_hash (
    hash        TEXT NOT NULL,
    request_id  TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    party_id    TEXT NOT NULL REFERENCES parties (id),
    target_type TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (hash, request_id)
);
INSERT INTO deconfliction_targets_by_hash (hash, request_id, party_id, target_type, created_at)
    SELECT hash, request_id, party_id, target_type, created_at FROM deconfliction_targets;
DROP TABLE deconfliction_targets;
ALTER TABLE deconfliction_targets_by_hash RENAME TO deconfliction_targets;
CREATE INDEX deconfliction_targets_request ON deconfliction_targets (request_id);
