-- What happens on the line: batches, carcasses, weighings, decisions and
-- releases, inspections, lab results, packs and mixed lots.

CREATE TABLE batches (
    id                  TEXT PRIMARY KEY CHECK (id GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-L[1-9]*-[1-9]'),
    day                 TEXT NOT NULL CHECK (date(day) = day),
    shift_start         TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('open', 'cutting', 'review', 'signed', 'sealed', 'uploaded')),
    product_certificate TEXT,
    journal_seq         INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE TABLE carcasses (
    number         TEXT PRIMARY KEY CHECK (length(number) = 13 AND number GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]'),
    batch_id       TEXT NOT NULL REFERENCES batches (id),
    raw_read       TEXT NOT NULL,
    rfid           TEXT CHECK (rfid IS NULL OR (length(rfid) = 15 AND rfid NOT GLOB '*[^0-9]*')),
    ear_tag        TEXT REFERENCES animals (ear_tag),
    consignment_id TEXT REFERENCES consignments (id),
    state          TEXT NOT NULL CHECK (state IN ('entered', 'weighed', 'inspected', 'chilled', 'cutting', 'closed',
                                                  'held', 'released', 'blocked')),
    stage          TEXT NOT NULL CHECK (stage IN ('entered', 'weighed', 'inspected', 'chilled', 'cutting', 'closed')),
    entered_at     TEXT NOT NULL,
    journal_seq    INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE INDEX carcasses_ear_tag ON carcasses (ear_tag);
CREATE INDEX carcasses_consignment ON carcasses (consignment_id);

CREATE TABLE lots (
    id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 20),
    batch_id    TEXT NOT NULL REFERENCES batches (id),
    product     TEXT NOT NULL REFERENCES products (key),
    state       TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

-- A weighing belongs to a carcass or to a lot. Inputs are the hot and
-- chilled carcass weights and a lot's trim; outputs are condemned parts,
-- packs and by-products.
CREATE TABLE weighings (
    id          INTEGER PRIMARY KEY CHECK (id > 0),
    carcass     TEXT REFERENCES carcasses (number),
    lot         TEXT REFERENCES lots (id),
    stage       TEXT NOT NULL CHECK (stage IN ('hot', 'chilled', 'condemned', 'pack', 'byproduct', 'lot_input')),
    kind        TEXT NOT NULL CHECK (length(kind) > 0),
    grams       INTEGER NOT NULL CHECK (grams > 0),
    scale_id    TEXT NOT NULL,
    division_g  INTEGER NOT NULL CHECK (division_g > 0),
    stable      INTEGER NOT NULL CHECK (stable IN (0, 1)),
    at          TEXT NOT NULL,
    to_lot      TEXT REFERENCES lots (id),
    journal_seq INTEGER NOT NULL REFERENCES journal (seq),
    CHECK ((carcass IS NULL) <> (lot IS NULL))
) STRICT;

CREATE INDEX weighings_carcass ON weighings (carcass);
CREATE INDEX weighings_lot ON weighings (lot);
CREATE INDEX weighings_to_lot ON weighings (to_lot);

CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY CHECK (id > 0),
    carcass     TEXT REFERENCES carcasses (number),
    lot         TEXT REFERENCES lots (id),
    code        TEXT NOT NULL CHECK (code GLOB '[a-z]*.[a-z_]*'),
    severity    TEXT NOT NULL CHECK (severity IN ('block', 'review')),
    rfid        TEXT,
    ear_tag     TEXT,
    consignment TEXT,
    facts       TEXT NOT NULL CHECK (json_valid(facts)),
    decided_at  TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES journal (seq),
    CHECK ((carcass IS NULL) <> (lot IS NULL))
) STRICT;

CREATE INDEX decisions_carcass ON decisions (carcass);

CREATE TABLE releases (
    decision    INTEGER PRIMARY KEY REFERENCES decisions (id),
    user        TEXT NOT NULL CHECK (length(user) > 0),
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    released_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE TABLE inspections (
    carcass     TEXT PRIMARY KEY REFERENCES carcasses (number),
    result      TEXT NOT NULL CHECK (result IN ('pass', 'partial', 'condemned')),
    condemned_g INTEGER NOT NULL CHECK (condemned_g >= 0),
    reason      TEXT NOT NULL,
    inspector   TEXT NOT NULL,
    at          TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES journal (seq),
    CHECK (result = 'pass' OR length(trim(reason)) > 0)
) STRICT;

CREATE TABLE lab_results (
    sample      TEXT PRIMARY KEY CHECK (length(sample) > 0),
    consignment TEXT NOT NULL REFERENCES consignments (id),
    analytes    TEXT NOT NULL CHECK (json_valid(analytes)),
    method      TEXT NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('negative', 'positive')),
    recorded_by TEXT NOT NULL,
    at          TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE TABLE packs (
    serial      TEXT PRIMARY KEY CHECK (length(serial) = 12 AND serial NOT GLOB '*[^0-9]*'),
    batch_id    TEXT NOT NULL REFERENCES batches (id),
    product     TEXT NOT NULL REFERENCES products (key),
    gtin        TEXT NOT NULL CHECK (length(gtin) = 14 AND gtin NOT GLOB '*[^0-9]*'),
    grams       INTEGER NOT NULL CHECK (grams > 0),
    weighing    INTEGER NOT NULL UNIQUE REFERENCES weighings (id),
    carcass     TEXT REFERENCES carcasses (number),
    lot         TEXT REFERENCES lots (id),
    grassland   INTEGER NOT NULL CHECK (grassland IN (0, 1)),
    packed_at   TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES journal (seq),
    CHECK ((carcass IS NULL) <> (lot IS NULL))
) STRICT;
