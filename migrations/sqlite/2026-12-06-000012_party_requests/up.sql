-- What each party may see, one row per (party, request) whatever its roles, with the columns
-- the request list filters on (issue 16): GET /v1/requests walks a party's rows newest first
-- through an index chosen by the filter, and joins each to its request by primary key, so a
-- page costs the same at ten or a million stored requests. Maintained with the participants
-- (requests/repo.rs: add_participant, remove_participant, save).
CREATE TABLE party_requests (
    party_id    TEXT NOT NULL REFERENCES parties (id),
    request_id  TEXT NOT NULL REFERENCES requests (id),
    outgoing    BOOLEAN NOT NULL,
    status      TEXT NOT NULL,
    priority    TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    kind        TEXT NOT NULL,
    PRIMARY KEY (party_id, request_id)
);
CREATE INDEX party_requests_outgoing_idx ON party_requests (party_id, outgoing, request_id);
CREATE INDEX party_requests_status_idx ON party_requests (party_id, status, request_id);
CREATE INDEX party_requests_priority_idx ON party_requests (party_id, priority, request_id);
CREATE INDEX party_requests_legal_basis_idx ON party_requests (party_id, legal_basis, request_id);
CREATE INDEX party_requests_kind_idx ON party_requests (party_id, kind, request_id);
CREATE INDEX party_requests_request_idx ON party_requests (request_id);

INSERT INTO party_requests (party_id, request_id, outgoing, status, priority, legal_basis, kind)
SELECT DISTINCT p.party_id, p.request_id, r.issuer_party = p.party_id, r.status, r.priority, r.legal_basis, r.kind
FROM request_participants p JOIN requests r ON r.id = p.request_id;
