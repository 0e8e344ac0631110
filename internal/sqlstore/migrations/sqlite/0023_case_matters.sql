-- 三事分办 (001: 公事政府办、众事商量办、私事自己办): a case carries its own matter, set from its
-- category at intake and changed by the dispatching level when it registers or routes the case;
-- route says who took it on (department: 派单; community: 交社区自治, the community itself handles
-- it; guide: 引导办理, the resident was given guidance); guidance is that text, shown to the resident.
ALTER TABLE cases ADD COLUMN matter TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN route TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN guidance TEXT NOT NULL DEFAULT '';
UPDATE cases SET matter = (SELECT k.matter FROM case_categories k WHERE k.id = cases.category_id);
UPDATE cases SET route = 'department' WHERE lead_org_id IS NOT NULL;

-- The counters of the three matters: cases received by matter (moved when the matter changes),
-- cases handed to community self-governance and handled by it (on time), cases guided. Cases
-- received before this migration are in none of the received_* columns until RebuildRollups.
ALTER TABLE case_rollup ADD COLUMN received_public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup ADD COLUMN received_community INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup ADD COLUMN received_private INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup ADD COLUMN self_governed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup ADD COLUMN self_handled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup ADD COLUMN self_handled_on_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup ADD COLUMN guided INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup_month ADD COLUMN received_public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup_month ADD COLUMN received_community INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup_month ADD COLUMN received_private INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup_month ADD COLUMN self_governed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup_month ADD COLUMN self_handled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup_month ADD COLUMN self_handled_on_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_rollup_month ADD COLUMN guided INTEGER NOT NULL DEFAULT 0;

-- The cases received before this migration are in no received_* count: a change of their matter
-- must not move a count they never added to. from_id is the first case counted by matter;
-- RebuildRollups, which counts every case, sets it to 0.
CREATE TABLE case_matter_split (from_id BIGINT NOT NULL);
INSERT INTO case_matter_split (from_id) SELECT COALESCE(MAX(id), 0) + 1 FROM cases;
