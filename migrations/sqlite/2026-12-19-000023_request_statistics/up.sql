-- Statistics (issue 19): one row per request whose trail holds an event that statistics read,
-- with what the figures need: the request's legal basis, kind, priority, parties and data
-- categories as they stood at its last such event, and what the trail says (statistics/rules.rs
-- `Derived`: submission, first answer, data, completion, outcome, refusal, withdrawal, forwards,
-- clarifications, objections, "no grounds", deconfliction hits). Written in the transaction of
-- each such event (requests/repo.rs: append_event_locked), never counted apart from the trail:
-- `rogatory statistics check` recomputes every row from the events and compares, `rogatory
-- statistics rebuild` rewrites them. The yearly Reg. (EU) 2023/1543 Art 28 report reads these
-- rows instead of a year of requests with their content and events.
CREATE TABLE request_statistics (
    request_id         TEXT NOT NULL PRIMARY KEY REFERENCES requests (id),
    legal_basis        TEXT NOT NULL,
    kind               TEXT NOT NULL,
    priority           TEXT NOT NULL,
    issuer_party       TEXT NOT NULL,
    addressee_party    TEXT NOT NULL,
    enforcing_party    TEXT,
    data_categories    TEXT,
    submitted_at       TEXT,
    first_answer_at    TEXT,
    data_at            TEXT,
    completed_at       TEXT,
    outcome            TEXT,
    refusal_reason     TEXT,
    withdrawn          BOOLEAN NOT NULL,
    forwards           BIGINT NOT NULL,
    clarifications     BIGINT NOT NULL,
    -- Each objection's reason followed by a comma, in the order of the trail.
    objection_reasons  TEXT NOT NULL,
    no_grounds         BOOLEAN NOT NULL,
    deconfliction_hits BIGINT NOT NULL
);
-- The report's selections: a party's orders of a year, every party's orders of a year (by legal
-- basis), a period on submission or on completion. A party's participation is checked through
-- request_participants_party_idx (party_id, request_id).
CREATE INDEX request_statistics_issuer_idx ON request_statistics (issuer_party, submitted_at);
CREATE INDEX request_statistics_basis_idx ON request_statistics (legal_basis, submitted_at);
CREATE INDEX request_statistics_submitted_idx ON request_statistics (submitted_at);
CREATE INDEX request_statistics_completed_idx ON request_statistics (completed_at);

-- When the rows were last rebuilt from the trail. NULL: never, so the server rebuilds them at
-- start-up (a migration cannot run the Rust rules; existing requests get their rows then).
-- (INT, not INTEGER: on SQLite an INTEGER PRIMARY KEY is the rowid, without the unique index
-- PostgreSQL has.)
CREATE TABLE request_statistics_state (
    singleton  INT NOT NULL PRIMARY KEY CHECK (singleton = 1),
    rebuilt_at TEXT
);
INSERT INTO request_statistics_state (singleton, rebuilt_at) VALUES (1, NULL);
