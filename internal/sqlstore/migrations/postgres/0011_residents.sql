-- Residents (issue 6). The ID number and the phone are sealed (internal/pii) and found by exact
-- value through their keyed hashes (id_index, phone_index); the name is searched by its keys.
CREATE TABLE residents (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id),
    path         TEXT COLLATE "C" NOT NULL, -- the building's path: scope checks and subtree lists
    community_id BIGINT NOT NULL, -- the community the building is in: community-wide searches
    name         TEXT NOT NULL,
    initials     TEXT NOT NULL,
    gender       TEXT NOT NULL DEFAULT '',
    birth_date   TEXT NOT NULL DEFAULT '',
    id_number    TEXT NOT NULL DEFAULT '',
    id_index     TEXT,
    phone        TEXT NOT NULL DEFAULT '',
    phone_index  TEXT,
    relation     TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '', -- ",elderly_alone,disabled,"
    note         TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX residents_id_index ON residents(id_index) WHERE id_index IS NOT NULL;
CREATE INDEX residents_phone_index ON residents(phone_index) WHERE phone_index IS NOT NULL;
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_path ON residents(path, id);

-- One row per search key of a resident's name: the name itself, its full pinyin and each
-- variant of its initials (polyphones give several), so that a prefix of any of them is an
-- index range, district-wide (key) or within a community (community_id, key).
CREATE TABLE resident_keys (
    resident_id  BIGINT NOT NULL REFERENCES residents(id),
    key          TEXT COLLATE "C" NOT NULL,
    community_id BIGINT NOT NULL,
    path         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (resident_id, key)
);
CREATE INDEX resident_keys_key ON resident_keys(key, path);
CREATE INDEX resident_keys_community ON resident_keys(community_id, key);

-- Paths are compared as bytes (the subtree of /1/5/ is the range ['/1/5/', '/1/50')): the
-- households' path was created with the database's collation.
ALTER TABLE households ALTER COLUMN path TYPE TEXT COLLATE "C";
