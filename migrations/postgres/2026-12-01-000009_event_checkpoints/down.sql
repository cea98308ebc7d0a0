ALTER TABLE request_documents DROP COLUMN kind;
DROP TABLE event_checkpoints;
