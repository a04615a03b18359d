-- The station's users, and label print jobs and voids.
--
-- Times are RFC 3339 text with a zone offset or Z, as the store writes
-- them.

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
