-- Grid staffing "1+3+N" (issue 6): who holds which post in each grid; a post ended stays as
-- history (ended_on). The phone is sealed (internal/pii).
CREATE TABLE grid_staff (
    id               INTEGER PRIMARY KEY,
    grid_id          INTEGER NOT NULL REFERENCES nodes(id),
    microgrid_id     INTEGER REFERENCES nodes(id),
    path             TEXT NOT NULL, -- the grid's path
    post             TEXT NOT NULL,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL DEFAULT '',
    party_member     BOOLEAN NOT NULL DEFAULT FALSE,
    branch_secretary BOOLEAN NOT NULL DEFAULT FALSE,
    user_id          INTEGER REFERENCES users(id),
    since            TEXT NOT NULL,
    ended_on         TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX grid_staff_path ON grid_staff(path, id) WHERE ended_on IS NULL;
CREATE INDEX grid_staff_grid ON grid_staff(grid_id) WHERE ended_on IS NULL;
