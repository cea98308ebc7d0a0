ALTER TABLE request_responses DROP COLUMN attachments;
DROP TABLE request_documents;
DROP TABLE attachments;
ALTER TABLE request_events DROP COLUMN hash;
ALTER TABLE request_events DROP COLUMN prev_hash;
