-- Volunteers (issue 6): the unified volunteer number is shown; the ID number is sealed and only
-- its keyed hash (one registration per person) is searchable. The service record follows the
-- 志愿服务条例 Art. 19.
CREATE TABLE volunteers (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    node_id       INTEGER NOT NULL REFERENCES nodes(id),
    path          TEXT NOT NULL,
    name          TEXT NOT NULL,
    id_number     TEXT NOT NULL,
    id_index      TEXT NOT NULL UNIQUE,
    phone         TEXT NOT NULL DEFAULT '',
    team_id       INTEGER REFERENCES orgs(id),
    colours       TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX volunteers_path ON volunteers(path, id);

CREATE TABLE volunteer_records (
    id           INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id),
    kind         TEXT NOT NULL,
    done_on      TEXT NOT NULL,
    hours        REAL NOT NULL DEFAULT 0,
    content      TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX volunteer_records_volunteer ON volunteer_records(volunteer_id, done_on);
