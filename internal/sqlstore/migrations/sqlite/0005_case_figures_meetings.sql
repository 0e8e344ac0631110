-- Duplicate suggestions look for open cases of one category in one grid within a small box
-- around the new point and a window of days. Keyed by latitude and carrying longitude and the
-- time received, the index reads only the band of the box and checks the rest without touching
-- the table; only the cases that match are read.
DROP INDEX cases_open;
CREATE INDEX cases_open_near ON cases(node_id, category_id, lat, lng, created_at) WHERE state NOT IN ('closed', 'voided');

-- Month totals beside the day rows: a figure for a long period reads the whole months from here
-- and only the days at its ends from the day rows, so a district's figures over three years read
-- about a hundred rows instead of a thousand (and, per department, thousands instead of tens of
-- thousands). Kept by the same upserts as the day rows; filled here from the day rows there are.
CREATE TABLE case_rollup_month (
    node_id          INTEGER NOT NULL,
    month            TEXT NOT NULL,
    received         INTEGER NOT NULL DEFAULT 0,
    registered       INTEGER NOT NULL DEFAULT 0,
    voided           INTEGER NOT NULL DEFAULT 0,
    dispatched       INTEGER NOT NULL DEFAULT 0,
    responded        INTEGER NOT NULL DEFAULT 0,
    handled          INTEGER NOT NULL DEFAULT 0,
    reworked         INTEGER NOT NULL DEFAULT 0,
    extended         INTEGER NOT NULL DEFAULT 0,
    closed           INTEGER NOT NULL DEFAULT 0,
    closed_on_time   INTEGER NOT NULL DEFAULT 0,
    due              INTEGER NOT NULL DEFAULT 0,
    suspended        INTEGER NOT NULL DEFAULT 0,
    overdue          INTEGER NOT NULL DEFAULT 0,
    callbacks        INTEGER NOT NULL DEFAULT 0,
    satisfied        INTEGER NOT NULL DEFAULT 0,
    basic            INTEGER NOT NULL DEFAULT 0,
    dissatisfied     INTEGER NOT NULL DEFAULT 0,
    resolved         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, month)
);
INSERT INTO case_rollup_month (node_id, month, received, registered, voided, dispatched, responded, handled, reworked, extended, closed, closed_on_time, due, suspended, overdue, callbacks, satisfied, basic, dissatisfied, resolved)
    SELECT node_id, substr(day, 1, 7), SUM(received), SUM(registered), SUM(voided), SUM(dispatched), SUM(responded), SUM(handled), SUM(reworked), SUM(extended), SUM(closed), SUM(closed_on_time), SUM(due), SUM(suspended), SUM(overdue), SUM(callbacks), SUM(satisfied), SUM(basic), SUM(dissatisfied), SUM(resolved) FROM case_rollup GROUP BY node_id, substr(day, 1, 7);

CREATE TABLE case_org_rollup_month (
    org_id          INTEGER NOT NULL,
    node_id         INTEGER NOT NULL,
    month           TEXT NOT NULL,
    dispatched       INTEGER NOT NULL DEFAULT 0,
    accepted         INTEGER NOT NULL DEFAULT 0,
    accepted_on_time INTEGER NOT NULL DEFAULT 0,
    accept_seconds   INTEGER NOT NULL DEFAULT 0,
    returned         INTEGER NOT NULL DEFAULT 0,
    handled          INTEGER NOT NULL DEFAULT 0,
    handled_on_time  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, month, org_id)
);
INSERT INTO case_org_rollup_month (org_id, node_id, month, dispatched, accepted, accepted_on_time, accept_seconds, returned, handled, handled_on_time)
    SELECT org_id, node_id, substr(day, 1, 7), SUM(dispatched), SUM(accepted), SUM(accepted_on_time), SUM(accept_seconds), SUM(returned), SUM(handled), SUM(handled_on_time) FROM case_org_rollup GROUP BY org_id, node_id, substr(day, 1, 7);

-- Joint meetings (党建联席会议) held at a community, a street or the district, and what each
-- decided on the escalated cases of its agenda; an item no meeting has taken stays pending.
CREATE TABLE joint_meetings (
    id         INTEGER PRIMARY KEY,
    node_id    INTEGER NOT NULL REFERENCES nodes(id),
    level      INTEGER NOT NULL,
    held_on    TEXT NOT NULL,
    title      TEXT NOT NULL,
    attendees  TEXT NOT NULL,
    minutes    TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX joint_meetings_node ON joint_meetings(node_id, held_on);
ALTER TABLE agenda_items ADD COLUMN meeting_id INTEGER REFERENCES joint_meetings(id);
ALTER TABLE agenda_items ADD COLUMN decision TEXT NOT NULL DEFAULT '';
