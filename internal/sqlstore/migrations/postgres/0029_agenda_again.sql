-- A case may come onto a level's agenda again once a meeting has taken it (a self-governed case
-- that later climbs to the community's joint meeting, or one escalated by hand and later handed
-- to the community): at most one entry per case and level waits for a meeting; the entries
-- meetings took stay with their decisions.
ALTER TABLE agenda_items DROP CONSTRAINT agenda_items_case_id_level_key;
CREATE UNIQUE INDEX agenda_items_pending ON agenda_items (case_id, level) WHERE meeting_on IS NULL;
CREATE INDEX agenda_items_case ON agenda_items (case_id);
