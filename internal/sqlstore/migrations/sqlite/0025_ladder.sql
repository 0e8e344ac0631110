-- The escalation ladder's clocks are case_deadlines rows of stage 'ladder'. A suspension (挂账)
-- pauses every running deadline of a case — the lead's, the co-handlers' and the ladder's — and
-- keeps the working seconds each had left in paused_s until the case is resumed.
ALTER TABLE case_deadlines ADD COLUMN paused_s INTEGER;
CREATE INDEX case_deadlines_paused ON case_deadlines(case_id) WHERE paused_s IS NOT NULL;
-- The node whose staff dispatched the case (派单): the dispatching level, which alone decides on
-- an extension (延期).
ALTER TABLE cases ADD COLUMN dispatch_node_id INTEGER REFERENCES nodes(id);
