DROP TABLE party_policies;
ALTER TABLE parties DROP COLUMN request_policy;
