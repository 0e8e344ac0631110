-- Retention of personal data (issue 6 item 8; PIPL Art. 19 and 47, GB/T 35273 6.1): the personal
-- data of people who left — a resident moved out or removed from the register (left_on), a
-- volunteer deregistered (left_on), a grid post or an owners' committee seat ended (ended_on) —
-- is erased once the retention period has passed (erased_at): sealed fields and keyed hashes
-- blanked, the name reduced to its masked form, the row kept for the counts (Store.PurgePersonalData).
ALTER TABLE residents ADD COLUMN left_on TEXT;
ALTER TABLE residents ADD COLUMN erased_at TIMESTAMP;
ALTER TABLE volunteers ADD COLUMN left_on TEXT;
ALTER TABLE volunteers ADD COLUMN erased_at TIMESTAMP;
ALTER TABLE grid_staff ADD COLUMN erased_at TIMESTAMP;
ALTER TABLE org_members ADD COLUMN erased_at TIMESTAMP;
CREATE INDEX residents_left ON residents(left_on, id) WHERE left_on IS NOT NULL AND erased_at IS NULL;
CREATE INDEX volunteers_left ON volunteers(left_on, id) WHERE left_on IS NOT NULL AND erased_at IS NULL;
CREATE INDEX grid_staff_ended ON grid_staff(ended_on, id) WHERE ended_on IS NOT NULL AND erased_at IS NULL;
CREATE INDEX org_members_ended ON org_members(ended_on, id) WHERE ended_on IS NOT NULL AND erased_at IS NULL;

-- An unmasking of many records at once (an unmasked export) says how many.
ALTER TABLE pii_unmaskings ADD COLUMN records INTEGER NOT NULL DEFAULT 1;
CREATE INDEX pii_unmaskings_at ON pii_unmaskings(at, id);

-- The log of unmaskings has a retention of its own (3 years by default): it stays append-only
-- except for the purge, which opens this gate, deletes the entries past the retention and closes
-- it again in one transaction (no other transaction ever sees it open).
CREATE TABLE pii_purge_gate (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    open BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO pii_purge_gate (id, open) VALUES (1, FALSE);
DROP TRIGGER pii_unmaskings_no_delete;
CREATE TRIGGER pii_unmaskings_no_delete BEFORE DELETE ON pii_unmaskings
WHEN NOT (SELECT open FROM pii_purge_gate WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'pii_unmaskings is append-only (only the retention purge deletes)'); END;
