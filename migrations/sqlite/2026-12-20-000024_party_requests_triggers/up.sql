-- The list's rows (`party_requests`, migration 000012) kept by the database itself (issue 16):
-- a party's row is added with its first role on a request and removed with its last, and a
-- request's status and priority are copied to its rows as they change. A change of a request
-- costs no second statement, and no path that writes requests or participants can leave a
-- party's list behind.
CREATE TRIGGER party_requests_participant_added AFTER INSERT ON request_participants
BEGIN
    INSERT INTO party_requests (party_id, request_id, outgoing, status, priority, legal_basis, kind)
    SELECT NEW.party_id, r.id, r.issuer_party = NEW.party_id, r.status, r.priority, r.legal_basis, r.kind
    FROM requests r
    WHERE r.id = NEW.request_id
      AND NOT EXISTS (SELECT 1 FROM party_requests pr
                      WHERE pr.party_id = NEW.party_id AND pr.request_id = NEW.request_id);
END;

CREATE TRIGGER party_requests_participant_removed AFTER DELETE ON request_participants
BEGIN
    DELETE FROM party_requests
    WHERE party_id = OLD.party_id AND request_id = OLD.request_id
      AND NOT EXISTS (SELECT 1 FROM request_participants p
                      WHERE p.request_id = OLD.request_id AND p.party_id = OLD.party_id);
END;

CREATE TRIGGER party_requests_request_changed AFTER UPDATE OF status, priority ON requests
    WHEN OLD.status IS NOT NEW.status OR OLD.priority IS NOT NEW.priority
BEGIN
    UPDATE party_requests SET status = NEW.status, priority = NEW.priority WHERE request_id = NEW.id;
END;
