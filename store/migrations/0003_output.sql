-- The station's users and their PIN hashes.

CREATE TABLE users (
    id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 32 AND id NOT GLOB '*[^a-z0-9._-]*' AND id <> 'system'),
    name        TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 64),
    role        TEXT NOT NULL CHECK (role IN ('operator', 'quality', 'vet', 'admin')),
    pin_hash    TEXT CHECK (pin_hash IS NULL OR pin_hash GLOB '$argon2id$v=19$m=*,t=*,p=*$*$*'),
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;
