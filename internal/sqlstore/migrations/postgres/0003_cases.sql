-- Cases (网格吹哨、部门报到): the category tree, cases with their departments, timeline, deadlines
-- (which are also the deadline jobs), notifications, the webhook outbox, the escalation agenda,
-- photos, and the rollups the figures are served from.
CREATE TABLE case_categories (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    parent_code    TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL,
    matter         TEXT NOT NULL,
    register_limit TEXT NOT NULL,
    accept_limit   TEXT NOT NULL,
    handle_limit   TEXT NOT NULL,
    department_id  BIGINT REFERENCES orgs(id),
    pinyin         TEXT NOT NULL DEFAULT '',
    initials       TEXT NOT NULL DEFAULT '',
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    version        INTEGER NOT NULL DEFAULT 1,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE cases (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state            TEXT NOT NULL,
    category_id      BIGINT NOT NULL REFERENCES case_categories(id),
    node_id          BIGINT NOT NULL REFERENCES nodes(id),
    path             TEXT COLLATE "C" NOT NULL,
    lng              DOUBLE PRECISION NOT NULL,
    lat              DOUBLE PRECISION NOT NULL,
    address          TEXT NOT NULL,
    description      TEXT NOT NULL,
    channel          TEXT NOT NULL,
    reporter_id      BIGINT REFERENCES users(id),
    reporter_name    TEXT NOT NULL,
    reporter_phone   TEXT NOT NULL,
    anonymous        BOOLEAN NOT NULL,
    follow_hash      TEXT,
    lead_org_id      BIGINT REFERENCES orgs(id),
    level            INTEGER NOT NULL DEFAULT 0,
    stage            TEXT NOT NULL,
    due_at           TIMESTAMPTZ,
    overdue          BOOLEAN NOT NULL DEFAULT FALSE,
    paused_s         INTEGER,
    reopened         INTEGER NOT NULL DEFAULT 0,
    reworks          INTEGER NOT NULL DEFAULT 0,
    returns          INTEGER NOT NULL DEFAULT 0,
    extensions       INTEGER NOT NULL DEFAULT 0,
    extend_request   TEXT NOT NULL DEFAULT '',
    rating           TEXT NOT NULL DEFAULT '',
    resolved         BOOLEAN,
    merged_into      BIGINT REFERENCES cases(id),
    photos           TEXT NOT NULL DEFAULT '',
    received_day     TEXT NOT NULL,
    flags            INTEGER NOT NULL DEFAULT 0,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    closed_at        TIMESTAMPTZ
);
CREATE INDEX cases_path ON cases(path, id);
CREATE INDEX cases_open ON cases(node_id, category_id, created_at) WHERE state NOT IN ('closed', 'voided');
CREATE INDEX cases_lead ON cases(lead_org_id, state);
CREATE UNIQUE INDEX cases_follow ON cases(follow_hash) WHERE follow_hash IS NOT NULL;

CREATE TABLE case_orgs (
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    org_id        BIGINT NOT NULL REFERENCES orgs(id),
    role          TEXT NOT NULL,
    state         TEXT NOT NULL,
    dispatched_at TIMESTAMPTZ NOT NULL,
    accept_due    TIMESTAMPTZ,
    accepted_at   TIMESTAMPTZ,
    handle_due    TIMESTAMPTZ,
    handled_at    TIMESTAMPTZ,
    PRIMARY KEY (case_id, org_id)
);
CREATE INDEX case_orgs_org ON case_orgs(org_id, state);

CREATE TABLE case_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    at         TIMESTAMPTZ NOT NULL,
    actor_id   INTEGER,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- One row per running deadline; the rows are also the deadline jobs: a reminder fires once when
-- remind_at passes, the deadline once when due_at passes, unless the stage is done first.
CREATE TABLE case_deadlines (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    stage       TEXT NOT NULL,
    org_id      BIGINT REFERENCES orgs(id),
    started_at  TIMESTAMPTZ NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    remind_at   TIMESTAMPTZ NOT NULL,
    reminded_at TIMESTAMPTZ,
    fired_at    TIMESTAMPTZ,
    done_at     TIMESTAMPTZ
);
CREATE INDEX case_deadlines_due ON case_deadlines(due_at) WHERE fired_at IS NULL AND done_at IS NULL;
CREATE INDEX case_deadlines_remind ON case_deadlines(remind_at) WHERE reminded_at IS NULL AND done_at IS NULL;
CREATE INDEX case_deadlines_case ON case_deadlines(case_id);

CREATE TABLE notifications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id    BIGINT REFERENCES nodes(id),
    org_id     BIGINT REFERENCES orgs(id),
    case_id    BIGINT REFERENCES cases(id),
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX notifications_node ON notifications(node_id, id);
CREATE INDEX notifications_org ON notifications(org_id, id);

CREATE TABLE webhook_outbox (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    link       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ,
    failed     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_outbox_next ON webhook_outbox(next_at) WHERE sent_at IS NULL;

-- The escalation ladder's agenda: a case that climbs to a level is put on the list of that level's
-- next joint meeting (node: the community, the street or the district holding it).
CREATE TABLE agenda_items (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    level      INTEGER NOT NULL,
    node_id    BIGINT NOT NULL REFERENCES nodes(id),
    reason     TEXT NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL,
    meeting_on TEXT,
    UNIQUE (case_id, level)
);
CREATE INDEX agenda_items_node ON agenda_items(node_id, meeting_on);

CREATE TABLE photos (
    id         TEXT PRIMARY KEY,
    format     TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    uploader   TEXT NOT NULL,
    case_id    BIGINT REFERENCES cases(id),
    created_at TIMESTAMPTZ NOT NULL
);

-- Figures are served from rollups, never from a scan of the cases: one row per node (the case's
-- grid and each of its ancestors) and day received (CST), each counter moved once per case by the
-- transition that decides it.
CREATE TABLE case_rollup (
    node_id          BIGINT NOT NULL,
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
    PRIMARY KEY (node_id, day)
);

-- Per department, per node (grid and ancestors) and day dispatched.
CREATE TABLE case_org_rollup (
    org_id          BIGINT NOT NULL,
    node_id         BIGINT NOT NULL,
    day             TEXT NOT NULL,
    dispatched      INTEGER NOT NULL DEFAULT 0,
    accepted        INTEGER NOT NULL DEFAULT 0,
    accepted_on_time INTEGER NOT NULL DEFAULT 0,
    accept_seconds  INTEGER NOT NULL DEFAULT 0,
    returned        INTEGER NOT NULL DEFAULT 0,
    handled         INTEGER NOT NULL DEFAULT 0,
    handled_on_time INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, day, org_id)
);
