-- A submission's deconfliction lookup wants the hashes of *other* parties' requests. A party
-- that sends many requests about one target stores that hash once per request; by the primary
-- key (hash, request_id) the lookup walked all of them. Led by (hash, party_id), it reads a
-- range on each side of the submitter's party and skips the party's own rows, and it carries
-- request_id, so the lookup reads no table row before its join (issue 16).
CREATE INDEX deconfliction_targets_hash_party ON deconfliction_targets (hash, party_id, request_id);
