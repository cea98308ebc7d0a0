DROP TABLE deconfliction_hits;
DROP TABLE deconfliction_targets;
ALTER TABLE parties DROP COLUMN deconfliction_contact;
ALTER TABLE parties DROP COLUMN deconfliction;
