-- Statistics (issue 19) read the audit trail by period: requests by submission time (per legal
-- basis for the yearly Reg. (EU) 2023/1543 Art 28 report), and events by type and time (a period
-- on completion). Events of one request are found through UNIQUE (request_id, seq), clocks
-- through clocks_request_idx.
CREATE INDEX requests_submitted_idx ON requests (submitted_at);
CREATE INDEX requests_basis_submitted_idx ON requests (legal_basis, submitted_at);
CREATE INDEX request_events_type_time_idx ON request_events (event_type, occurred_at);
