-- The journal and the registry, product and settings tables.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE journal (
    seq       INTEGER PRIMARY KEY CHECK (seq > 0),
    at        TEXT NOT NULL,               -- RFC 3339 with the zone offset
    actor     TEXT NOT NULL,               -- user id, or "system"
    station   TEXT NOT NULL,
    type      TEXT NOT NULL,
    payload   TEXT NOT NULL CHECK (json_valid(payload)),
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal entries are append-only');
END;

CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal entries are append-only');
END;

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE TABLE counters (
    name        TEXT PRIMARY KEY,
    value       INTEGER NOT NULL CHECK (value >= 0),
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE TABLE consignments (
    id                      TEXT PRIMARY KEY CHECK (length(id) > 0),
    declared_at             TEXT NOT NULL,
    arrived_at              TEXT NOT NULL,
    planned_slaughter_on    TEXT NOT NULL CHECK (date(planned_slaughter_on) = planned_slaughter_on),
    owner_id                TEXT NOT NULL,
    owner_name              TEXT NOT NULL,
    owner_kind              TEXT NOT NULL CHECK (owner_kind IN ('herder', 'cooperative')),
    owner_county            TEXT NOT NULL CHECK (length(owner_county) = 6 AND owner_county NOT GLOB '*[^0-9]*'),
    owner_county_name       TEXT NOT NULL,
    certificate_number      TEXT,
    certificate_type        TEXT CHECK (certificate_type IN ('animal_a', 'animal_b')),
    certificate_issued_at   TEXT,
    certificate_valid_until TEXT,
    certificate_head_count  INTEGER CHECK (certificate_head_count > 0),
    journal_seq             INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE TABLE animals (
    ear_tag           TEXT PRIMARY KEY CHECK (length(ear_tag) = 15 AND ear_tag NOT GLOB '*[^0-9]*'),
    rfid              TEXT NOT NULL UNIQUE CHECK (length(rfid) = 15 AND rfid NOT GLOB '*[^0-9]*'),
    consignment_id    TEXT NOT NULL REFERENCES consignments (id),
    breed             TEXT NOT NULL,
    sex               TEXT NOT NULL CHECK (sex IN ('M', 'F', 'W')),
    born_on           TEXT NOT NULL CHECK (date(born_on) = born_on),
    tagged_on         TEXT NOT NULL CHECK (date(tagged_on) = tagged_on),
    pasture_kind      TEXT NOT NULL CHECK (pasture_kind IN ('natural_grassland', 'mowing_grassland', 'feedlot')),
    feeding_system    INTEGER NOT NULL CHECK (feeding_system BETWEEN 1 AND 3),
    production_system INTEGER NOT NULL CHECK (production_system BETWEEN 1 AND 2),
    grazing_area_mu   INTEGER NOT NULL CHECK (grazing_area_mu >= 0),
    live_weight_g     INTEGER NOT NULL CHECK (live_weight_g > 0),
    journal_seq       INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE INDEX animals_consignment ON animals (consignment_id);

CREATE TABLE vaccinations (
    ear_tag     TEXT NOT NULL REFERENCES animals (ear_tag),
    n           INTEGER NOT NULL CHECK (n > 0),
    name        TEXT NOT NULL,
    batch       TEXT NOT NULL,
    given_on    TEXT NOT NULL CHECK (date(given_on) = given_on),
    journal_seq INTEGER NOT NULL REFERENCES journal (seq),
    PRIMARY KEY (ear_tag, n)
) STRICT;

CREATE TABLE treatments (
    ear_tag         TEXT NOT NULL REFERENCES animals (ear_tag),
    n               INTEGER NOT NULL CHECK (n > 0),
    drug            TEXT NOT NULL,
    batch           TEXT NOT NULL,
    given_on        TEXT NOT NULL CHECK (date(given_on) = given_on),
    withdrawal_days INTEGER NOT NULL CHECK (withdrawal_days >= 0),
    journal_seq     INTEGER NOT NULL REFERENCES journal (seq),
    PRIMARY KEY (ear_tag, n)
) STRICT;

CREATE TABLE products (
    key                TEXT PRIMARY KEY CHECK (length(key) > 0),
    name_zh            TEXT NOT NULL,
    name_en            TEXT NOT NULL,
    unece_cut          TEXT CHECK (unece_cut IS NULL OR (length(unece_cut) = 4 AND unece_cut NOT GLOB '*[^0-9]*')),
    gtin               TEXT NOT NULL UNIQUE CHECK (length(gtin) = 14 AND gtin NOT GLOB '*[^0-9]*'),
    bone_in            INTEGER NOT NULL CHECK (bone_in IN (0, 1)),
    mixed              INTEGER NOT NULL CHECK (mixed IN (0, 1)),
    typical_share_ppm  INTEGER NOT NULL CHECK (typical_share_ppm BETWEEN 0 AND 1000000),
    pieces_per_carcass INTEGER NOT NULL CHECK (pieces_per_carcass >= 0),
    journal_seq        INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE TABLE byproducts (
    key         TEXT PRIMARY KEY CHECK (length(key) > 0),
    name_zh     TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;
