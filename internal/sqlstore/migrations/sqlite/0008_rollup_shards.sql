-- Rollup rows in shards: a counter row is (node, period[, department], shard), and figures sum the
-- shards. On PostgreSQL the group-commit workers and concurrent transitions each update rows of
-- their own shard, so they no longer queue on the district's row (which every case moves) until
-- the holder has committed and flushed. SQLite has one writer and writes shard 0 only.
CREATE TABLE case_rollup_new (
    node_id          INTEGER NOT NULL,
    day              TEXT NOT NULL,
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
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, day, shard)
);
INSERT INTO case_rollup_new (node_id, day, received, registered, voided, dispatched, responded, handled, reworked, extended, closed, closed_on_time, due, suspended, overdue, callbacks, satisfied, basic, dissatisfied, resolved) SELECT node_id, day, received, registered, voided, dispatched, responded, handled, reworked, extended, closed, closed_on_time, due, suspended, overdue, callbacks, satisfied, basic, dissatisfied, resolved FROM case_rollup;
DROP TABLE case_rollup;
ALTER TABLE case_rollup_new RENAME TO case_rollup;
CREATE TABLE case_rollup_month_new (
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
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, month, shard)
);
INSERT INTO case_rollup_month_new (node_id, month, received, registered, voided, dispatched, responded, handled, reworked, extended, closed, closed_on_time, due, suspended, overdue, callbacks, satisfied, basic, dissatisfied, resolved) SELECT node_id, month, received, registered, voided, dispatched, responded, handled, reworked, extended, closed, closed_on_time, due, suspended, overdue, callbacks, satisfied, basic, dissatisfied, resolved FROM case_rollup_month;
DROP TABLE case_rollup_month;
ALTER TABLE case_rollup_month_new RENAME TO case_rollup_month;
CREATE TABLE case_org_rollup_new (
    org_id          INTEGER NOT NULL,
    node_id         INTEGER NOT NULL,
    day             TEXT NOT NULL,
    dispatched      INTEGER NOT NULL DEFAULT 0,
    accepted        INTEGER NOT NULL DEFAULT 0,
    accepted_on_time INTEGER NOT NULL DEFAULT 0,
    accept_seconds  INTEGER NOT NULL DEFAULT 0,
    returned        INTEGER NOT NULL DEFAULT 0,
    handled         INTEGER NOT NULL DEFAULT 0,
    handled_on_time INTEGER NOT NULL DEFAULT 0,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, day, org_id, shard)
);
INSERT INTO case_org_rollup_new (org_id, node_id, day, dispatched, accepted, accepted_on_time, accept_seconds, returned, handled, handled_on_time) SELECT org_id, node_id, day, dispatched, accepted, accepted_on_time, accept_seconds, returned, handled, handled_on_time FROM case_org_rollup;
DROP TABLE case_org_rollup;
ALTER TABLE case_org_rollup_new RENAME TO case_org_rollup;
CREATE TABLE case_org_rollup_month_new (
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
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, month, org_id, shard)
);
INSERT INTO case_org_rollup_month_new (org_id, node_id, month, dispatched, accepted, accepted_on_time, accept_seconds, returned, handled, handled_on_time) SELECT org_id, node_id, month, dispatched, accepted, accepted_on_time, accept_seconds, returned, handled, handled_on_time FROM case_org_rollup_month;
DROP TABLE case_org_rollup_month;
ALTER TABLE case_org_rollup_month_new RENAME TO case_org_rollup_month;
