DROP TABLE party_requests;
