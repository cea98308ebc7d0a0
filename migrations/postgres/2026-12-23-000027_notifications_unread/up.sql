-- A case system polls its party's feed for what is new (`GET /v1/notifications?unread=true`),
-- and a team that keeps up has read nearly all of it. By `notifications_party_idx (party_id,
-- id)` alone that poll walked every notification the party ever had, newest first, to find
-- the few unread ones (or none): its cost grew with the party's whole history. The unread
-- ones have an index of their own, which holds only them (issue 16: lists that stay flat).
CREATE INDEX notifications_unread_idx ON notifications (party_id, id) WHERE read_at IS NULL;
