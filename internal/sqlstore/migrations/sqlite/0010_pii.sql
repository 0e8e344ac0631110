-- Personal data (issue 6 item 8; PIPL Art. 28 and 51, GB/T 35273). Values such as a reporter's
-- name and phone are sealed with AES-256-GCM by the server (internal/pii) before they are written;
-- these tables hold what the database must know about that.
--
-- pii_keys: the fingerprint of every key ('key:N') and of the index key ('index') this database's
-- data has been sealed or indexed with. A server whose key file disagrees refuses to start, so a
-- wrong file cannot write what the other servers cannot read. retired_at: removed with
-- `redgrid keys remove` once nothing was sealed under it any more.
CREATE TABLE pii_keys (
    name        TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    added_at    TIMESTAMP NOT NULL,
    retired_at  TIMESTAMP
);

-- pii_pending: the rows written before this migration, in plain text (ids up to upto). SQL
-- cannot encrypt, so the server seals them at start (Store.UseKeys), in batches, each batch in a
-- transaction that also moves done; the row is deleted when all are sealed.
CREATE TABLE pii_pending (
    tbl  TEXT PRIMARY KEY,
    upto INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
INSERT INTO pii_pending (tbl, upto) SELECT 'cases', COALESCE(MAX(id), 0) FROM cases;

-- pii_unmaskings: every time a person's data was shown in full, who saw what of whom, when and
-- why (how: 'explicit', asked for with a reason; 'call-back', shown to the call-back staff with
-- the case). Append-only, like the audit log.
CREATE TABLE pii_unmaskings (
    id          INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER,
    actor       TEXT NOT NULL,
    subject     TEXT NOT NULL,
    fields      TEXT NOT NULL,
    how         TEXT NOT NULL,
    reason      TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    request_id  TEXT NOT NULL
);
CREATE INDEX pii_unmaskings_subject ON pii_unmaskings(subject, id);
CREATE INDEX pii_unmaskings_actor ON pii_unmaskings(actor_id, id);
CREATE TRIGGER pii_unmaskings_no_update BEFORE UPDATE ON pii_unmaskings
BEGIN SELECT RAISE(ABORT, 'pii_unmaskings is append-only'); END;
CREATE TRIGGER pii_unmaskings_no_delete BEFORE DELETE ON pii_unmaskings
BEGIN SELECT RAISE(ABORT, 'pii_unmaskings is append-only'); END;
