-- Open311 clients (issue 5 item 9): one API key per client, made by `redgrid apikey add NAME`.
-- Only the SHA-256 of the key is stored. Each key acts as a redgrid account (a service account
-- made for it, or one named with --user), which the audit log and the idempotency keys name.
-- service_account is true when the account is the key's own, made for it (disabled for login by
-- design); a key acting as another account (--user) stops working when that account is disabled.
CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    key_hash     TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    service_account BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
