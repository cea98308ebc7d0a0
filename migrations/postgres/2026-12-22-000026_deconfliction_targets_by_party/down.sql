ALTER TABLE deconfliction_targets DROP CONSTRAINT deconfliction_targets_pkey;
ALTER TABLE deconfliction_targets ADD PRIMARY KEY (hash, request_id);
