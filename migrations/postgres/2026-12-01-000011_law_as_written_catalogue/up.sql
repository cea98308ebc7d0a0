-- The law as written (issue 13; shared/research/legal-audit.md): corrections of the catalogue
-- against the primary texts, and the instruments it lacked. One file for both backends (the
-- SQLite folder links here). Each clock, required field and refusal ground carries its
-- citation, a short source_quote and a source_url; verified only where a quote is present.
-- effective_from marks the new version: requests submitted earlier keep the entry they pinned.

UPDATE legal_bases SET
    clocks = '[{"kind": "respond", "obligation_of": "addressee", "starts_on": "received", "duration": "P10D", "emergency_duration": "PT8H", "binding": true, "pauses_on_clarification": true, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "Reg. (EU) 2023/1543 Art 10(3): 10 days from receipt; Art 10(4): 8 hours in an emergency. Where the enforcing authority was notified (Art 8), the data go to the issuer at the end of the 10 days (Art 10(2)). Clarification through Annex III (Art 10(5), not retrieved)", "source_quote": "at the latest within 10 days following receipt of the EPOC", "source_url": "https://fantasticsearch.net/law/eu/en?article=1&id=WG0lZpsB1anJoctM1I2V", "verified": true}, {"kind": "object", "obligation_of": "enforcing_authority", "starts_on": "received", "duration": "P10D", "emergency_duration": "PT96H", "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "Reg. (EU) 2023/1543 Art 12(1): the enforcing authority assesses within 10 days of the notification, 96 hours in an emergency; the notification is suspensive except in emergencies (Art 8(4)); in an emergency it may object to the use of data already transmitted (Art 10(4))", "source_quote": "spätestens jedoch innerhalb von zehn Tagen nach Erhalt der Unterrichtung oder in Notfällen spätestens innerhalb von 96 Stunden nach deren Erhalt", "source_url": "https://gesetze.legal/eu/vo_eu_2023_1543/12", "verified": true}]',
    refusal_grounds = '[{"ground": "art_12_ground", "citation": "Reg. (EU) 2023/1543 Art 12(1): grounds the enforcing authority may raise (list not quoted here)", "source_quote": null, "source_url": null, "verified": false}]',
    citation = 'Regulation (EU) 2023/1543 Art 10 (deadlines), Art 8 (notification of the enforcing authority), Art 12 (grounds for refusal)',
    source_quote = 'mit Ausnahme von ausschließlich zum Zweck der Identifizierung des Nutzers angeforderten Daten im Sinne des Artikels 3 Nummer 10',
    source_url = 'https://gesetze.legal/eu/vo_eu_2023_1543/8',
    notes = 'The enforcing authority is notified, at the same time as the addressee, for traffic data other than data requested solely to identify the user (category identification, Art 3(10)) and for content data (Art 8(1)), unless the issuer declares both that the offence was committed in the issuing State and that the person resides there (Art 8(2)). Outside emergencies the notification is suspensive (Art 8(4)): an answer with data is held until the end of the authority''s 10 days, or until it confirms it raises no ground (Art 10(2)).',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'eu_epoc';

UPDATE legal_bases SET
    clocks = '[{"kind": "preservation", "obligation_of": "addressee", "starts_on": "received", "duration": "P60D", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": true, "citation": "Reg. (EU) 2023/1543 Art 11(1): preservation ceases after 60 days unless a production request is confirmed (Annex V); Art 11(2): then as long as necessary. The addressee cannot set an earlier end", "source_quote": "shall cease after 60 days, unless … Annex V …; … extend … by an additional 30-day period", "source_url": "https://fantasticsearch.net/law/eu/en?article=1&id=X20lZpsB1anJoctM1I2V", "verified": true}]',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'eu_epoc_pr';

UPDATE legal_bases SET
    clocks = '[{"kind": "acknowledge", "obligation_of": "addressee", "starts_on": "received", "duration": "P7D", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "Dir. 2014/41/EU Art 16(1), Annex B: acknowledgement of receipt without delay, at the latest within a week", "source_quote": "unverzüglich, in jedem Fall aber binnen einer Woche nach Eingang der EEA", "source_url": "https://eur-lex.europa.eu/legal-content/DE/TXT/?uri=CELEX:32014L0041", "verified": true}, {"kind": "recognition", "obligation_of": "addressee", "starts_on": "received", "duration": "P30D", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "Dir. 2014/41/EU Art 12(3): decision on recognition within 30 days of receipt; up to 30 more days with reasons (Art 12(5))", "source_quote": "no later than 30 days after the receipt of the EIO by the competent executing authority", "source_url": "https://legislation.gov.uk/eudr/2014/41/article/12/adopted/data.xht", "verified": true}, {"kind": "execution", "obligation_of": "addressee", "starts_on": "recognised", "duration": "P90D", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "Dir. 2014/41/EU Art 12(4): execution within 90 days of the decision on recognition", "source_quote": "not later than 90 days following the taking of the decision referred to in paragraph 3", "source_url": "https://legislation.gov.uk/eudr/2014/41/article/12/adopted/data.xht", "verified": true}, {"kind": "provisional_measures", "obligation_of": "addressee", "starts_on": "received", "duration": "PT24H", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "when": {"priorities": ["urgent", "emergency"], "flags": ["provisional_measures"], "not_flags": []}, "kept_while_follow_up_open": false, "citation": "Dir. 2014/41/EU Art 32(2): decision on provisional measures as soon as possible and, where practicable, within 24 hours of receipt", "source_quote": "so schnell wie möglich und sofern praktikabel innerhalb von 24 Stunden nach Erhalt der EEA", "source_url": "https://eur-lex.europa.eu/legal-content/DE/TXT/?uri=CELEX:32014L0041", "verified": true}]',
    notes = 'Two acts with two clocks: the acknowledgement of receipt (Annex B, Art 16(1), one week) and the decision on recognition (Art 12(3), 30 days, +30 with reasons); execution runs 90 days from the decision (POST /v1/requests/{id}/recognise). An urgent EIO asking for provisional measures (content.provisional_measures) runs Art 32(2)''s 24 hours.',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'eu_eio';

UPDATE legal_bases SET
    clocks = '[{"kind": "preservation", "obligation_of": "addressee", "starts_on": "preserved", "duration": "P60D", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": true, "citation": "ETS 185 Art 29(7): preservation for not less than 60 days (a floor); once the request for assistance is received, the data stay preserved pending a decision on it. No renewal: the follow-up request keeps them", "source_quote": "shall be for a period not less than sixty days, in order to enable the requesting Party to submit a request for the search or similar access, seizure or similar securing, or disclosure of the data. Following the receipt of such a request, the data shall continue to be preserved pending a decision on that request.", "source_url": "https://rm.coe.int/1680081561", "verified": true}]',
    extensions = '[]',
    refusal_grounds = '[{"ground": "political_offence", "citation": "ETS 185 Art 29(5)(a): political offence or connected with a political offence", "source_quote": null, "source_url": null, "verified": false}, {"ground": "essential_interests", "citation": "ETS 185 Art 29(5)(b): sovereignty, security, ordre public or other essential interests", "source_quote": null, "source_url": null, "verified": false}, {"ground": "dual_criminality", "citation": "ETS 185 Art 29(4): only where dual criminality is a condition and will not be fulfilled (not for ETS 185 Arts 2-11 offences)", "source_quote": null, "source_url": null, "verified": false}]',
    citation = 'ETS 185 Art 29; dual criminality not required (Art 29(3)); confidentiality conditions (Art 28)',
    source_url = 'https://rm.coe.int/1680081561',
    verified = TRUE,
    notes = 'At least 60 days (Art 29(7)); the follow-up request for assistance keeps the data preserved until it is decided. There is no renewal in the text (the 60-day renewal of migration 000005 was withdrawn).',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'coe_budapest_29';

UPDATE legal_bases SET
    notes = 'No time limit in the text: Art 31(3) asks for an expedited response where the data are particularly vulnerable to loss or modification. A party may set its own target (PUT /v1/parties/{id}/clock-targets/coe_budapest_31).',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'coe_budapest_31';

UPDATE legal_bases SET
    required_fields = '[{"field": "issuing_authority", "source": "ETS 030 Art 14(1)(a)", "source_quote": null, "source_url": null, "verified": false}, {"field": "offences", "source": "ETS 030 Art 14(2)", "source_quote": "shall, in addition, state the offence and contain a summary of the facts", "source_url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=030", "verified": true}, {"field": "facts_summary", "source": "ETS 030 Art 14(2)", "source_quote": "shall, in addition, state the offence and contain a summary of the facts", "source_url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=030", "verified": true}, {"field": "requested_measures", "source": "ETS 030 Art 14(1)(b)", "source_quote": null, "source_url": null, "verified": false}]',
    clocks = '[{"kind": "respond", "obligation_of": "addressee", "starts_on": "received", "duration": "P90D", "emergency_duration": null, "binding": false, "pauses_on_clarification": true, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "No time limit in ETS 030 (Arts 12-30 read) nor, generally, in bilateral treaties: Rogatory default target of 90 days, configurable by the party", "source_quote": null, "source_url": null, "verified": false}]',
    citation = 'ETS 030 Arts 14(1)-(2); ETS 182 Art 4 (direct judicial channels); bilateral treaties',
    source_url = 'https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=030',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'mlat';

UPDATE legal_bases SET
    clocks = '[{"kind": "preservation", "obligation_of": "addressee", "starts_on": "received", "duration": "P90D", "emergency_duration": null, "binding": false, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "18 U.S.C. 2703(f)(2): 90 days, 90 more on a renewed request, for a US governmental entity. A foreign authority is not one (18 U.S.C. 2711(4)): for a foreign issuer this is the provider''s voluntary practice, never kept alive by a follow-up", "source_quote": "retained for a period of 90 days, which shall be extended for an additional 90-day period upon a renewed request by the governmental entity", "source_url": "https://www.law.cornell.edu/uscode/text/18/2703", "verified": true}]',
    extensions = '[{"clock": "preservation", "max_extensions": 1, "duration": "P90D", "requires_reasons": false, "citation": "18 U.S.C. 2703(f)(2): one additional 90-day period upon a renewed request (voluntary for a foreign issuer)"}]',
    citation = '18 U.S.C. 2703(f); binding only at the request of a US governmental entity (18 U.S.C. 2711(4))',
    source_quote = 'the term “governmental entity” means a department or agency of the United States or any State or political subdivision thereof',
    source_url = 'https://law.lawstack.com/usc/18/2711',
    verified = FALSE,
    binding = FALSE,
    notes = 'A foreign authority is not a "governmental entity" (18 U.S.C. 2711(4)): a 2703(f) letter from a foreign issuer does not bind the provider, which may preserve voluntarily under its policy. For a binding preservation in the US, ask the US 24/7 point of contact under ETS 185 Art 29. The hold ends after 90 (+90) days whatever follow-up is open.',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'us_2703f';

UPDATE legal_bases SET
    article = '2702(c)(6); provider''s emergency disclosure policy',
    required_fields = '[{"field": "issuing_authority", "source": "Provider policy for foreign emergency requests", "source_quote": null, "source_url": null, "verified": false}, {"field": "targets", "source": "Provider policy for foreign emergency requests", "source_quote": null, "source_url": null, "verified": false}, {"field": "emergency_justification", "source": "Provider policy: danger of death or serious physical injury", "source_quote": null, "source_url": null, "verified": false}]',
    clocks = '[{"kind": "respond", "obligation_of": "addressee", "starts_on": "received", "duration": "PT8H", "emergency_duration": "PT8H", "binding": false, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "No legal time: disclosure to a foreign authority is voluntary (18 U.S.C. 2702(c)(6) for non-content records; (b)(8) and (c)(4) concern US governmental entities only). Rogatory default target of 8 hours, configurable", "source_quote": "to any person other than a governmental entity", "source_url": "https://www.law.cornell.edu/uscode/text/18/2702", "verified": true}]',
    citation = '18 U.S.C. 2702(c)(6) (non-content records, voluntary); the provider''s emergency disclosure policy',
    source_quote = 'to any person other than a governmental entity',
    source_url = 'https://www.law.cornell.edu/uscode/text/18/2702',
    verified = FALSE,
    binding = FALSE,
    notes = 'Disclosure is voluntary: the provider decides under its own policy. 2702(b)(8) and (c)(4) allow emergency disclosure to a US governmental entity only (18 U.S.C. 2711(4)); for a foreign issuer non-content records fall under (c)(6), and the statute gives no voluntary route for content. The 8-hour target is a default.',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'us_2702_emergency';

UPDATE legal_bases SET
    title = 'Urgent information on a person in immediate danger (duty of the sending Party)',
    required_fields = '[{"field": "issuing_authority", "source": "CETS 197 Art 33(1)", "source_quote": null, "source_url": null, "verified": false}, {"field": "facts_summary", "source": "CETS 197 Art 33(1)", "source_quote": null, "source_url": null, "verified": false}, {"field": "protected_person", "source": "CETS 197 Art 33(1), Art 28(1): victims, persons who report or co-operate, witnesses, their family members", "source_quote": null, "source_url": null, "verified": false}, {"field": "emergency_justification", "source": "CETS 197 Art 33(1): life, freedom or physical integrity in immediate danger", "source_quote": null, "source_url": null, "verified": false}]',
    clocks = '[{"kind": "acknowledge", "obligation_of": "addressee", "starts_on": "received", "duration": "PT1H", "emergency_duration": "PT1H", "binding": false, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "CETS 197 Art 33(1): the duty is the sender''s, to transmit without delay; the receiving Party takes appropriate protective measures and has no answer deadline. Rogatory default target for acknowledging receipt, configurable", "source_quote": "elle doit, dans un tel cas d''urgence, les transmettre sans délai à cette autre Partie afin qu''elle prenne les mesures de protection appropriées", "source_url": "https://droit-bilingue.ch/de-fr/0.3/0.31/0.311.543-33-36.html", "verified": true}]',
    citation = 'CETS 197 Art 33(1) (persons of Art 28(1)); missing persons, especially children, Art 33(2)',
    source_quote = 'a des motifs raisonnables de croire que la vie, la liberté ou l''intégrité physique d''une personne visée à l''art. 28, par. 1, est en danger immédiat',
    notes = 'An urgent information notice: the sending Party transmits without delay; the receiving Party acknowledges receipt and takes protective measures. No answer is owed.',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'coe_197_art33';

UPDATE legal_bases SET
    in_force = '{"status": "unknown", "note": "Opened for signature 12 May 2022; ratifications seen in the Netherlands treaty database: Serbia (2023), Japan (2023), Hungary (2026), list cut off. Whether the Protocol is in force, and between which Parties, was not established: check the Council of Europe treaty office before relying on it.", "source_url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=224"}',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'coe_224_art7';

UPDATE legal_bases SET
    in_force = '{"status": "unknown", "note": "Opened for signature 12 May 2022; ratifications seen in the Netherlands treaty database: Serbia (2023), Japan (2023), Hungary (2026), list cut off. Whether the Protocol is in force, and between which Parties, was not established: check the Council of Europe treaty office before relying on it.", "source_url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=224"}',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'coe_224_art8';

UPDATE legal_bases SET
    in_force = '{"status": "unknown", "note": "Opened for signature 12 May 2022; ratifications seen in the Netherlands treaty database: Serbia (2023), Japan (2023), Hungary (2026), list cut off. Whether the Protocol is in force, and between which Parties, was not established: check the Council of Europe treaty office before relying on it.", "source_url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=224"}',
    effective_from = '2026-12-01 00:00:00.000000+00:00',
    updated_at = '2026-12-01 00:00:00.000000+00:00'
WHERE code = 'coe_224_art9';

INSERT INTO legal_bases (code, title, instrument, article, request_kind, allowed_recipient_kinds, preferred_designations, required_fields, clocks, extensions, refusal_grounds, citation, source_quote, source_url, verified, binding, in_force, notes, effective_from, updated_at, refusal_grounds_exhaustive)
VALUES (
    'coe_budapest_30',
    'Expedited disclosure of preserved traffic data',
    'Council of Europe Convention on Cybercrime (ETS 185)',
    'Art 30',
    'expedited_disclosure',
    '["state_authority"]',
    '["contact_point_24_7", "central_authority"]',
    '[{"field": "issuing_authority", "source": "ETS 185 Art 30(1)", "source_quote": null, "source_url": null, "verified": false}, {"field": "targets", "source": "ETS 185 Art 30(1)", "source_quote": null, "source_url": null, "verified": false}, {"field": "offences", "source": "ETS 185 Art 29(2)(b), by reference of Art 30(1)", "source_quote": null, "source_url": null, "verified": false}]',
    '[{"kind": "respond", "obligation_of": "addressee", "starts_on": "received", "duration": "PT72H", "emergency_duration": "PT24H", "binding": false, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "ETS 185 Art 30(1): \"expeditiously\", no number in the text. Rogatory default target of 72 hours, configurable by the party", "source_quote": "shall expeditiously disclose … a sufficient amount of traffic data to identify that service provider and the path", "source_url": "https://rm.coe.int/1680081561", "verified": true}]',
    '[]',
    '[{"ground": "political_offence", "citation": "ETS 185 Art 30(2)(a): political offence or connected with a political offence", "source_quote": null, "source_url": null, "verified": false}, {"ground": "essential_interests", "citation": "ETS 185 Art 30(2)(b): sovereignty, security, ordre public or other essential interests", "source_quote": null, "source_url": null, "verified": false}]',
    'ETS 185 Art 30; refusal only on the grounds of Art 30(2)',
    'shall expeditiously disclose … a sufficient amount of traffic data to identify that service provider and the path',
    'https://rm.coe.int/1680081561',
    TRUE,
    TRUE,
    NULL,
    'Disclosure, in the course of an Art 29 preservation, of the traffic data that identify another service provider and the path of a communication. Usually a follow-up (follow_up_of) of the Art 29 request. Refusal only on the two grounds of Art 30(2).',
    '2026-12-01 00:00:00.000000+00:00',
    '2026-12-01 00:00:00.000000+00:00',
    TRUE
);

INSERT INTO legal_bases (code, title, instrument, article, request_kind, allowed_recipient_kinds, preferred_designations, required_fields, clocks, extensions, refusal_grounds, citation, source_quote, source_url, verified, binding, in_force, notes, effective_from, updated_at, refusal_grounds_exhaustive)
VALUES (
    'eu_2023_977',
    'Request for information to a Single Point of Contact',
    'Directive (EU) 2023/977',
    'Art 4, Art 5',
    'information_exchange',
    '["state_authority"]',
    '["single_point_of_contact", "police"]',
    '[{"field": "issuing_authority", "source": "Dir. (EU) 2023/977 Art 4(3) (not quoted)", "source_quote": null, "source_url": null, "verified": false}, {"field": "facts_summary", "source": "Dir. (EU) 2023/977 Art 4(3) (not quoted)", "source_quote": null, "source_url": null, "verified": false}]',
    '[{"kind": "respond", "obligation_of": "addressee", "starts_on": "received", "duration": "PT8H", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "when": {"priorities": ["urgent", "emergency"], "flags": ["directly_accessible"], "not_flags": []}, "kept_while_follow_up_open": false, "derogable_for_judicial_authorisation": true, "citation": "Dir. (EU) 2023/977 Art 5(1)(a): urgent requests for information directly accessible to the requested Single Point of Contact, 8 hours from receipt", "source_quote": null, "source_url": null, "verified": false}, {"kind": "respond", "obligation_of": "addressee", "starts_on": "received", "duration": "P3D", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "when": {"priorities": ["urgent", "emergency"], "flags": [], "not_flags": ["directly_accessible"]}, "kept_while_follow_up_open": false, "derogable_for_judicial_authorisation": true, "citation": "Dir. (EU) 2023/977 Art 5(1)(b): urgent requests for information indirectly accessible, 3 calendar days from receipt", "source_quote": null, "source_url": null, "verified": false}, {"kind": "respond", "obligation_of": "addressee", "starts_on": "received", "duration": "P7D", "emergency_duration": null, "binding": true, "pauses_on_clarification": false, "when_data_categories": null, "when": {"priorities": ["normal"], "flags": [], "not_flags": []}, "kept_while_follow_up_open": false, "derogable_for_judicial_authorisation": true, "citation": "Dir. (EU) 2023/977 Art 5(1)(c): all other requests, 7 calendar days from receipt", "source_quote": null, "source_url": null, "verified": false}]',
    '[]',
    '[{"ground": "art_6_ground", "citation": "Dir. (EU) 2023/977 Art 6 (grounds not quoted here)", "source_quote": null, "source_url": null, "verified": false}]',
    'Directive (EU) 2023/977 Art 5(1) (time limits from receipt), Art 5(2) (derogation where judicial authorisation is needed)',
    NULL,
    'https://eur-lex.europa.eu/eli/dir/2023/977/oj',
    FALSE,
    TRUE,
    NULL,
    'The channel most police units use first. Time limits run from receipt: 8 hours (urgent, directly accessible), 3 calendar days (urgent, indirectly accessible), 7 calendar days (others). Art 5(2) lets the requested Single Point of Contact derogate where a judicial authorisation is needed, to the extent necessary to obtain it: POST /v1/requests/{id}/derogation pauses the time limit until the answer. Figures from the audit''s reading of the German text; the verbatim quote is not yet recorded, hence verified: false.',
    '2026-12-01 00:00:00.000000+00:00',
    '2026-12-01 00:00:00.000000+00:00',
    FALSE
);

INSERT INTO legal_bases (code, title, instrument, article, request_kind, allowed_recipient_kinds, preferred_designations, required_fields, clocks, extensions, refusal_grounds, citation, source_quote, source_url, verified, binding, in_force, notes, effective_from, updated_at, refusal_grounds_exhaustive)
VALUES (
    'coe_224_art6',
    'Request for domain name registration information',
    'Second Additional Protocol to the Convention on Cybercrime (CETS 224)',
    'Art 6',
    'domain_registration',
    '["service_provider"]',
    '[]',
    '[{"field": "issuing_authority", "source": "CETS 224 Art 6 (text not retrieved)", "source_quote": null, "source_url": null, "verified": false}, {"field": "targets", "source": "CETS 224 Art 6 (text not retrieved)", "source_quote": null, "source_url": null, "verified": false}]',
    '[]',
    '[]',
    '[]',
    'CETS 224 Art 6 (text not retrieved)',
    NULL,
    'https://zoek.officielebekendmakingen.nl/trb-2022-66.html',
    FALSE,
    TRUE,
    '{"status": "unknown", "note": "Opened for signature 12 May 2022; ratifications seen in the Netherlands treaty database: Serbia (2023), Japan (2023), Hungary (2026), list cut off. Whether the Protocol is in force, and between which Parties, was not established: check the Council of Europe treaty office before relying on it.", "source_url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=224"}',
    'Requests to an entity providing domain name registration services. No time is recorded until the text is quoted; a party may set its own target.',
    '2026-12-01 00:00:00.000000+00:00',
    '2026-12-01 00:00:00.000000+00:00',
    FALSE
);

INSERT INTO legal_bases (code, title, instrument, article, request_kind, allowed_recipient_kinds, preferred_designations, required_fields, clocks, extensions, refusal_grounds, citation, source_quote, source_url, verified, binding, in_force, notes, effective_from, updated_at, refusal_grounds_exhaustive)
VALUES (
    'coe_224_art10',
    'Emergency mutual assistance',
    'Second Additional Protocol to the Convention on Cybercrime (CETS 224)',
    'Art 10',
    'mutual_legal_assistance',
    '["state_authority"]',
    '["central_authority", "contact_point_24_7"]',
    '[{"field": "issuing_authority", "source": "CETS 224 Art 10 (text not retrieved)", "source_quote": null, "source_url": null, "verified": false}, {"field": "facts_summary", "source": "CETS 224 Art 10 (text not retrieved)", "source_quote": null, "source_url": null, "verified": false}, {"field": "requested_measures", "source": "CETS 224 Art 10 (text not retrieved)", "source_quote": null, "source_url": null, "verified": false}]',
    '[{"kind": "respond", "obligation_of": "addressee", "starts_on": "received", "duration": "PT24H", "emergency_duration": "PT24H", "binding": false, "pauses_on_clarification": false, "when_data_categories": null, "kept_while_follow_up_open": false, "citation": "CETS 224 Art 10: text not retrieved; Rogatory default target of 24 hours, configurable", "source_quote": null, "source_url": null, "verified": false}]',
    '[]',
    '[]',
    'CETS 224 Art 10 (text not retrieved)',
    NULL,
    'https://zoek.officielebekendmakingen.nl/trb-2022-66.html',
    FALSE,
    TRUE,
    '{"status": "unknown", "note": "Opened for signature 12 May 2022; ratifications seen in the Netherlands treaty database: Serbia (2023), Japan (2023), Hungary (2026), list cut off. Whether the Protocol is in force, and between which Parties, was not established: check the Council of Europe treaty office before relying on it.", "source_url": "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=224"}',
    'Mutual assistance in an emergency. Every figure is unverified until the text is quoted.',
    '2026-12-01 00:00:00.000000+00:00',
    '2026-12-01 00:00:00.000000+00:00',
    FALSE
);
