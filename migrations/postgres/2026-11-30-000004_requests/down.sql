DROP TABLE idempotency_keys;
DROP TABLE request_responses;
DROP TABLE request_messages;
DROP TABLE clarifications;
DROP TABLE request_events;
DROP TABLE request_participants;
DROP TABLE requests;
DROP TABLE reference_counters;
ALTER TABLE parties DROP COLUMN requires_approval;
