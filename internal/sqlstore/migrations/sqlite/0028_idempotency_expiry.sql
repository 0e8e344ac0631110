-- Idempotency keys are kept for a week (IdempotencyKeep): a retry comes within minutes, and the
-- answers kept with case actions (0024) hold the case's text, a copy that must not outlive its
-- purpose. The hourly job deletes the older keys by this index.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
