-- The escalation ladder's clocks are case_deadlines rows of stage 'ladder'. A suspension (挂账)
-- pauses every running deadline of a case — the lead's, the co-handlers' and the ladder's — and
-- keeps the working seconds each had left in paused_s until the case is resumed.
ALTER TABLE case_deadlines ADD COLUMN paused_s INTEGER;
CREATE INDEX case_deadlines_paused ON case_deadlines(case_id) WHERE paused_s IS NOT NULL;
-- The node whose staff dispatched the case (派单): the dispatching level, which alone decides on
-- an extension (延期).
ALTER TABLE cases ADD COLUMN dispatch_node_id INTEGER REFERENCES nodes(id);

-- Cases dispatched before: the dispatcher's nearest grant above the case that may dispatch, from
-- the last dispatch event (none when that grant is gone: any dispatcher over the case decides then).
UPDATE cases SET dispatch_node_id = (
    SELECT g.node_id FROM case_events e JOIN grants g ON g.user_id = e.actor_id JOIN nodes n ON n.id = g.node_id
    WHERE e.case_id = cases.id AND e.action = 'dispatch' AND g.role IN ('community_staff', 'street_operator', 'district_admin')
      AND substr(cases.path, 1, length(n.path)) = n.path
    ORDER BY e.id DESC, length(n.path) DESC LIMIT 1)
WHERE lead_org_id IS NOT NULL;

-- Open cases escalated before have no ladder clock: a 'ladder_start' row, due when the case landed
-- on its rung, has the deadline jobs start that rung's clock from then (its time is configuration,
-- not known here; ladder.go ladderStart).
INSERT INTO case_deadlines (case_id, stage, org_id, started_at, due_at, remind_at, reminded_at)
SELECT c.id, 'ladder_start', NULL, a.added_at, a.added_at, a.added_at, a.added_at
FROM cases c JOIN agenda_items a ON a.case_id = c.id AND a.level = c.level
WHERE c.level IN (1, 2) AND c.state IN ('registered', 'dispatched', 'accepted', 'handled', 'suspended');
