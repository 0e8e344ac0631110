-- Webhook delivery per hook (issue 5): a message is sent to each configured robot once; a robot
-- that fails is retried on its own, with its own backoff and attempts, so the robots that already
-- have the message do not get it again. hook is a hash of the robot's kind and URL (never the URL,
-- which holds its token). given_up: the attempts ran out or the robot refused for good.
CREATE TABLE webhook_deliveries (
    message_id INTEGER NOT NULL REFERENCES webhook_outbox(id) ON DELETE CASCADE,
    hook       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    TIMESTAMP NOT NULL,
    sent_at    TIMESTAMP,
    given_up   BOOLEAN NOT NULL DEFAULT FALSE,
    failed     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (message_id, hook)
);

-- The first answer of an idempotent case action (issue 5: "a retry returns the first result"):
-- the case as the action left it, as JSON without the reporter's name and phone (those stay
-- sealed in cases and are filled in, as the caller may see them, when the answer is replayed).
ALTER TABLE idempotency_keys ADD COLUMN response TEXT NOT NULL DEFAULT '';
