DROP TRIGGER party_requests_request_changed ON requests;
DROP TRIGGER party_requests_participant_removed ON request_participants;
DROP TRIGGER party_requests_participant_added ON request_participants;
DROP FUNCTION party_requests_request_changed();
DROP FUNCTION party_requests_participant_removed();
DROP FUNCTION party_requests_participant_added();
