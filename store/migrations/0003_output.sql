-- The station's users, label print jobs and voids, sealed batch documents
-- and the upload outbox.
--
-- Times are RFC 3339 text with a zone offset or Z, as the store writes
-- them. A batch id is YYYYMMDD-L<line>-<shift>, with line 1 to 99 and no
-- leading zero, and shift 1 to 9. It is checked for form only, not
-- against a batches table.

CREATE TABLE users (
    id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 32 AND id NOT GLOB '*[^a-z0-9._-]*' AND id <> 'system'),
    name        TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 64),
    role        TEXT NOT NULL CHECK (role IN ('operator', 'quality', 'vet', 'admin')),
    pin_hash    TEXT CHECK (pin_hash IS NULL OR pin_hash GLOB '$argon2id$v=19$m=*,t=*,p=*$*$*'),
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

-- A label serial is a carcass number (YYYYMMDD-NNNN), a 12-digit pack
-- serial or an 18-digit SSCC for a carton, as its kind says.
CREATE TABLE print_jobs (
    id           INTEGER PRIMARY KEY CHECK (id > 0),
    label_serial TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('carcass', 'pack', 'carton')),
    printer      TEXT NOT NULL CHECK (length(printer) BETWEEN 1 AND 64),
    zpl_sha256   TEXT NOT NULL CHECK (length(zpl_sha256) = 64 AND zpl_sha256 NOT GLOB '*[^0-9a-f]*'),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'confirmed', 'failed')),
    reprint_of   INTEGER REFERENCES print_jobs (id) CHECK (reprint_of IS NULL OR (reprint_of > 0 AND reprint_of < id)),
    reason       TEXT CHECK (reason IS NULL OR length(trim(reason)) > 0),
    error        TEXT CHECK (error IS NULL OR length(trim(error)) > 0),
    created_at   TEXT NOT NULL CHECK (datetime(created_at) IS NOT NULL
                     AND created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                     AND (created_at GLOB '*Z' OR created_at GLOB '*[+-][0-9][0-9]:[0-9][0-9]')),
    updated_at   TEXT NOT NULL CHECK (datetime(updated_at) IS NOT NULL
                     AND updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                     AND (updated_at GLOB '*Z' OR updated_at GLOB '*[+-][0-9][0-9]:[0-9][0-9]')),
    user_id      TEXT NOT NULL CHECK (length(user_id) > 0),
    journal_seq  INTEGER NOT NULL REFERENCES journal (seq),
    CHECK ((kind = 'carcass' AND label_serial GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]')
        OR (kind = 'pack' AND length(label_serial) = 12 AND label_serial NOT GLOB '*[^0-9]*')
        OR (kind = 'carton' AND length(label_serial) = 18 AND label_serial NOT GLOB '*[^0-9]*')),
    CHECK ((reprint_of IS NULL) = (reason IS NULL)),
    CHECK ((state = 'failed') = (error IS NOT NULL))
) STRICT;

CREATE INDEX print_jobs_label ON print_jobs (label_serial);

CREATE TABLE label_voids (
    label_serial TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('carcass', 'pack', 'carton')),
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    user_id      TEXT NOT NULL REFERENCES users (id),
    at           TEXT NOT NULL CHECK (datetime(at) IS NOT NULL
                     AND at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                     AND (at GLOB '*Z' OR at GLOB '*[+-][0-9][0-9]:[0-9][0-9]')),
    journal_seq  INTEGER NOT NULL REFERENCES journal (seq),
    CHECK ((kind = 'carcass' AND label_serial GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]')
        OR (kind = 'pack' AND length(label_serial) = 12 AND label_serial NOT GLOB '*[^0-9]*')
        OR (kind = 'carton' AND length(label_serial) = 18 AND label_serial NOT GLOB '*[^0-9]*'))
) STRICT;

-- A sealed document never changes: the triggers stop an UPDATE or DELETE
-- through SQL, and Verify detects an edit made with the triggers dropped.
CREATE TABLE documents (
    batch_id             TEXT PRIMARY KEY CHECK (batch_id GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-L[1-9]-[1-9]'
                             OR batch_id GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-L[1-9][0-9]-[1-9]'),
    format               TEXT NOT NULL CHECK (length(format) BETWEEN 1 AND 64 AND format NOT GLOB '*[^a-z0-9.+/-]*'),
    body                 TEXT NOT NULL CHECK (json_valid(body)),
    sha256               TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    journal_seq_at_seal  INTEGER NOT NULL CHECK (journal_seq_at_seal >= 0),
    journal_hash_at_seal TEXT NOT NULL CHECK (length(journal_hash_at_seal) = 64 AND journal_hash_at_seal NOT GLOB '*[^0-9a-f]*'),
    sealed_at            TEXT NOT NULL CHECK (datetime(sealed_at) IS NOT NULL
                             AND sealed_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                             AND (sealed_at GLOB '*Z' OR sealed_at GLOB '*[+-][0-9][0-9]:[0-9][0-9]')),
    sealed_by            TEXT NOT NULL CHECK (length(sealed_by) > 0),
    journal_seq          INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'sealed documents are immutable');
END;

CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'sealed documents are immutable');
END;

-- One upload entry per sealed document. An entry is pending until an
-- attempt starts (sending), and an attempt ends in pending again for a
-- retry, delivered with the platform's receipt, or rejected for good.
CREATE TABLE outbox (
    batch_id        TEXT PRIMARY KEY REFERENCES documents (batch_id),
    sha256          TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'rejected')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL CHECK (datetime(next_attempt_at) IS NOT NULL
                        AND next_attempt_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                        AND (next_attempt_at GLOB '*Z' OR next_attempt_at GLOB '*[+-][0-9][0-9]:[0-9][0-9]')),
    last_error      TEXT,
    delivered_at    TEXT CHECK (delivered_at IS NULL OR (datetime(delivered_at) IS NOT NULL
                        AND delivered_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                        AND (delivered_at GLOB '*Z' OR delivered_at GLOB '*[+-][0-9][0-9]:[0-9][0-9]'))),
    receipt         TEXT CHECK (receipt IS NULL OR length(receipt) > 0),
    journal_seq     INTEGER NOT NULL REFERENCES journal (seq),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL)),
    CHECK ((state = 'delivered') = (receipt IS NOT NULL))
) STRICT;

-- One row per upload attempt, numbered from 1. A row with neither an
-- HTTP status nor an error is an attempt that has not ended yet.
CREATE TABLE outbox_attempts (
    batch_id    TEXT NOT NULL REFERENCES outbox (batch_id),
    n           INTEGER NOT NULL CHECK (n > 0),
    at          TEXT NOT NULL CHECK (datetime(at) IS NOT NULL
                    AND at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                    AND (at GLOB '*Z' OR at GLOB '*[+-][0-9][0-9]:[0-9][0-9]')),
    http_status INTEGER CHECK (http_status IS NULL OR http_status BETWEEN 100 AND 599),
    error       TEXT CHECK (error IS NULL OR length(error) > 0),
    journal_seq INTEGER NOT NULL REFERENCES journal (seq),
    PRIMARY KEY (batch_id, n)
) STRICT;
