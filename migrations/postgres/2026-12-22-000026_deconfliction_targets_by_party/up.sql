-- A submission's deconfliction lookup wants the hashes of *other* parties' requests. A party
-- that sends many requests about one target stores that hash once per request; by the primary
-- key (hash, request_id) the lookup walked all of them. Keyed (hash, party_id, request_id), it
-- reads a range on each side of the submitter's party and skips the party's own rows, from the
-- index alone (issue 16).
ALTER TABLE deconfliction_targets DROP CONSTRAINT deconfliction_targets_pkey;
ALTER TABLE deconfliction_targets ADD PRIMARY KEY (hash, party_id, request_id);
