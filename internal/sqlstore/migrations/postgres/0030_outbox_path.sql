-- Each webhook message carries the path of its case's grid, so that a robot scoped to a street's
-- or a community's cases (--webhook KIND@CODE=URL) is sent only theirs. Messages queued before
-- have none and go to the robots of the whole district only.
ALTER TABLE webhook_outbox ADD COLUMN path TEXT NOT NULL DEFAULT '';
