DROP TRIGGER requests_chain_head ON request_events;
DROP FUNCTION requests_chain_head();
ALTER TABLE requests DROP COLUMN head_hash;
ALTER TABLE requests DROP COLUMN head_seq;
