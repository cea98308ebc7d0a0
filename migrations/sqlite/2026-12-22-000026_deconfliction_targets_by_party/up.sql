-- A submission's deconfliction lookup wants the hashes of *other* parties' requests. A party
-- that sends many requests about one target stores that hash once per request; by the primary
-- key (hash, request_id) the lookup walked all of them. Keyed (hash, party_id, request_id), it
-- reads a range on each side of the submitter's party and skips the party's own rows (issue 16).
-- WITHOUT ROWID: the key is the table, so a submission's hashes go into two b-trees (the table
-- and the request index) rather than three, as a rowid table keeps its text key apart.
CREATE TABLE deconfliction_targets_keyed (
    hash        TEXT NOT NULL,
    request_id  TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    party_id    TEXT NOT NULL REFERENCES parties (id),
    target_type TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (hash, party_id, request_id)
) WITHOUT ROWID;
INSERT INTO deconfliction_targets_keyed (hash, request_id, party_id, target_type, created_at)
    SELECT hash, request_id, party_id, target_type, created_at FROM deconfliction_targets;
DROP TABLE deconfliction_targets;
ALTER TABLE deconfliction_targets_keyed RENAME TO deconfliction_targets;
CREATE INDEX deconfliction_targets_request ON deconfliction_targets (request_id);
