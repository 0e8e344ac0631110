-- A case may come onto a level's agenda again once a meeting has taken it (a self-governed case
-- that later climbs to the community's joint meeting, or one escalated by hand and later handed
-- to the community): at most one entry per case and level waits for a meeting; the entries
-- meetings took stay with their decisions. SQLite cannot drop a table's UNIQUE constraint: the
-- table is made again without it, with the same rows.
CREATE TABLE agenda_items_new (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    level      INTEGER NOT NULL,
    node_id    INTEGER NOT NULL REFERENCES nodes(id),
    reason     TEXT NOT NULL,
    added_at   TIMESTAMP NOT NULL,
    meeting_on TEXT,
    meeting_id INTEGER REFERENCES joint_meetings(id),
    decision   TEXT NOT NULL DEFAULT ''
);
INSERT INTO agenda_items_new (id, case_id, level, node_id, reason, added_at, meeting_on, meeting_id, decision)
    SELECT id, case_id, level, node_id, reason, added_at, meeting_on, meeting_id, decision FROM agenda_items;
DROP TABLE agenda_items;
ALTER TABLE agenda_items_new RENAME TO agenda_items;
CREATE INDEX agenda_items_node ON agenda_items (node_id, meeting_on);
CREATE UNIQUE INDEX agenda_items_pending ON agenda_items (case_id, level) WHERE meeting_on IS NULL;
CREATE INDEX agenda_items_case ON agenda_items (case_id);
