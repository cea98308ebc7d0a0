-- Budapest Art 29 preservations can be renewed: the requesting Party asks again before the
-- period ends, typically while the MLA request is prepared (Art 29(7) keeps the data while the
-- request is decided). One renewal of 60 days, with reasons. Unverified against the primary
-- text, like the rest of the entry. Shared by both backends (the SQLite folder links here).
UPDATE legal_bases
SET extensions = '[{"clock":"preservation","max_extensions":1,"duration":"P60D","requires_reasons":true,"citation":"ETS 185 Art 29(7): preservation continues while the MLA request is decided; renewal on a reasoned request (primary text not retrieved)"}]'
WHERE code = 'coe_budapest_29';
