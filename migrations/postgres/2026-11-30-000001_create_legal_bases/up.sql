-- The legal-basis catalogue (DESIGN.md section 5): data, not code.
CREATE TABLE legal_bases (
    code                    TEXT PRIMARY KEY CHECK (code <> ''),
    title                   TEXT NOT NULL,
    instrument              TEXT NOT NULL,
    article                 TEXT NOT NULL,
    request_kind            TEXT NOT NULL,
    allowed_recipient_kinds JSONB NOT NULL,
    preferred_designations  JSONB NOT NULL,
    required_fields         JSONB NOT NULL,
    clocks                  JSONB NOT NULL,
    extensions              JSONB NOT NULL,
    citation                TEXT NOT NULL,
    source_url              TEXT,
    verified                BOOLEAN NOT NULL,
    notes                   TEXT,
    updated_at              TIMESTAMPTZ NOT NULL
);
