DROP INDEX request_events_type_time_idx;
DROP INDEX requests_basis_submitted_idx;
DROP INDEX requests_submitted_idx;
