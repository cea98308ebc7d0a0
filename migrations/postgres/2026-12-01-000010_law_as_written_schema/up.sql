-- The law as written (issue 13): the catalogue carries quotes, refusal grounds, whether a
-- basis binds its addressee, entry-into-force status and a version (effective_from); a request
-- pins the catalogue entry it was submitted under; an EU production order's data can be held
-- while the enforcing authority's notification has suspensive effect (Reg. 2023/1543 Art 8(4),
-- Art 10(2)).
ALTER TABLE legal_bases ADD COLUMN binding BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE legal_bases ADD COLUMN refusal_grounds JSONB NOT NULL DEFAULT '[]';
ALTER TABLE legal_bases ADD COLUMN in_force JSONB;
ALTER TABLE legal_bases ADD COLUMN effective_from TIMESTAMPTZ NOT NULL DEFAULT '2026-11-30 00:00:00+00';
ALTER TABLE legal_bases ADD COLUMN source_quote TEXT;
-- The basis lists every ground on which a request may be refused (e.g. ETS 185 Art 30(2)).
ALTER TABLE legal_bases ADD COLUMN refusal_grounds_exhaustive BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE requests ADD COLUMN legal_basis_pinned JSONB;
-- held_pending_enforcing_authority | released | withheld; NULL where no hold applies.
ALTER TABLE requests ADD COLUMN hold_status TEXT;
ALTER TABLE requests ADD COLUMN hold_until TIMESTAMPTZ;
-- The issuer confirmed a follow-up request sent outside Rogatory (Reg. 2023/1543 Art 11(1)-(2), Annex V).
ALTER TABLE requests ADD COLUMN follow_up_confirmed_at TIMESTAMPTZ;

-- delivered | held_pending_enforcing_authority | withheld
ALTER TABLE request_responses ADD COLUMN status TEXT NOT NULL DEFAULT 'delivered';
ALTER TABLE request_responses ADD COLUMN release_at TIMESTAMPTZ;
