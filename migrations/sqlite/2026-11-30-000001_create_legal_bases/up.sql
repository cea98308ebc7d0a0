-- The legal-basis catalogue (DESIGN.md section 5): data, not code.
-- JSON columns are TEXT here (JSONB on PostgreSQL); json_valid keeps them honest.
CREATE TABLE legal_bases (
    code                    TEXT PRIMARY KEY NOT NULL CHECK (code <> ''),
    title                   TEXT NOT NULL,
    instrument              TEXT NOT NULL,
    article                 TEXT NOT NULL,
    request_kind            TEXT NOT NULL,
    allowed_recipient_kinds TEXT NOT NULL CHECK (json_valid(allowed_recipient_kinds)),
    preferred_designations  TEXT NOT NULL CHECK (json_valid(preferred_designations)),
    required_fields         TEXT NOT NULL CHECK (json_valid(required_fields)),
    clocks                  TEXT NOT NULL CHECK (json_valid(clocks)),
    extensions              TEXT NOT NULL CHECK (json_valid(extensions)),
    citation                TEXT NOT NULL,
    source_url              TEXT,
    verified                BOOLEAN NOT NULL,
    notes                   TEXT,
    updated_at              TEXT NOT NULL
);
