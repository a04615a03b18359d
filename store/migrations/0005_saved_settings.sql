-- Settings an admin saves at the station for its next start, the audit of
-- every change made on the admin's settings screen, and each user's
-- wrong-PIN count and lock, so that a restart does not clear a lockout.
-- The migration adds tables only, so no journaled row changes.

-- One row per setting; the value is the setting's own text, such as the
-- thresholds as JSON or the platform's URL.
CREATE TABLE saved_settings (
    key         TEXT PRIMARY KEY CHECK (key IN ('rules', 'platform_url')),
    value       TEXT NOT NULL,
    changed_by  TEXT NOT NULL REFERENCES users (id),
    changed_at  TEXT NOT NULL CHECK (datetime(changed_at) IS NOT NULL
                    AND changed_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                    AND (changed_at GLOB '*Z' OR changed_at GLOB '*[+-][0-9][0-9]:[0-9][0-9]')),
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

-- One row per change: what changed (kind and subject), the values before
-- and after where they are not secret, who changed it and when. Rows are
-- never changed or removed.
CREATE TABLE settings_audit (
    id          INTEGER PRIMARY KEY CHECK (id > 0),
    at          TEXT NOT NULL CHECK (datetime(at) IS NOT NULL
                    AND at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                    AND (at GLOB '*Z' OR at GLOB '*[+-][0-9][0-9]:[0-9][0-9]')),
    actor       TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('setting', 'user', 'pin', 'key')),
    subject     TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 128),
    old_value   TEXT,
    new_value   TEXT,
    journal_seq INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;

CREATE INDEX settings_audit_subject ON settings_audit (kind, subject);

CREATE TRIGGER settings_audit_no_update BEFORE UPDATE ON settings_audit
BEGIN
    SELECT RAISE(ABORT, 'settings audit rows are append-only');
END;

CREATE TRIGGER settings_audit_no_delete BEFORE DELETE ON settings_audit
BEGIN
    SELECT RAISE(ABORT, 'settings audit rows are append-only');
END;

-- A user's wrong PINs in a row and the end of the lock they caused. A
-- user without a row has none.
CREATE TABLE pin_lockouts (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    failures     INTEGER NOT NULL CHECK (failures > 0),
    locked_until TEXT CHECK (locked_until IS NULL OR (datetime(locked_until) IS NOT NULL
                     AND locked_until GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                     AND (locked_until GLOB '*Z' OR locked_until GLOB '*[+-][0-9][0-9]:[0-9][0-9]'))),
    journal_seq  INTEGER NOT NULL REFERENCES journal (seq)
) STRICT;
