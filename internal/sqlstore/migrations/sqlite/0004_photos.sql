-- Photo uploads (issue 5 item 7). A photo's id is text (128 random bits), so an Idempotency-Key
-- of an upload records the id it answered with in resource_key (resource_id stays 0).
ALTER TABLE idempotency_keys ADD COLUMN resource_key TEXT NOT NULL DEFAULT '';
-- The uploader as a user id (NULL for a resident's upload from the public page), for the rule
-- that only the uploader reads a photo until it is on a case.
ALTER TABLE photos ADD COLUMN uploader_id INTEGER REFERENCES users(id);
CREATE INDEX photos_case ON photos(case_id);
