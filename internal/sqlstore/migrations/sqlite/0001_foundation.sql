-- The organisation trees, accounts, sessions, audit log and idempotency keys.
CREATE TABLE nodes (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES nodes(id),
    path        TEXT NOT NULL UNIQUE,
    depth       INTEGER NOT NULL,
    pinyin      TEXT NOT NULL DEFAULT '',
    initials    TEXT NOT NULL DEFAULT '',
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX nodes_parent ON nodes(parent_id, code);

CREATE TABLE party_orgs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES party_orgs(id),
    path        TEXT NOT NULL UNIQUE,
    depth       INTEGER NOT NULL,
    node_id     INTEGER NOT NULL REFERENCES nodes(id),
    temporary   BOOLEAN NOT NULL DEFAULT FALSE,
    ends_on     TEXT,
    pinyin      TEXT NOT NULL DEFAULT '',
    initials    TEXT NOT NULL DEFAULT '',
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX party_orgs_parent ON party_orgs(parent_id, id);
CREATE INDEX party_orgs_node ON party_orgs(node_id);

CREATE TABLE orgs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    credit_code  TEXT UNIQUE,
    home_node_id INTEGER NOT NULL REFERENCES nodes(id),
    contact      TEXT NOT NULL DEFAULT '',
    pinyin       TEXT NOT NULL DEFAULT '',
    initials     TEXT NOT NULL DEFAULT '',
    valid_from   TEXT NOT NULL,
    valid_to     TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX orgs_home ON orgs(home_node_id);
CREATE INDEX orgs_kind ON orgs(kind, name);

CREATE TABLE org_nodes (
    org_id  INTEGER NOT NULL REFERENCES orgs(id),
    node_id INTEGER NOT NULL REFERENCES nodes(id),
    PRIMARY KEY (org_id, node_id)
);
CREATE INDEX org_nodes_node ON org_nodes(node_id);

CREATE TABLE tree_history (
    id        INTEGER PRIMARY KEY,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    change    TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    actor_id  INTEGER,
    actor     TEXT NOT NULL,
    at        TIMESTAMP NOT NULL
);
CREATE INDEX tree_history_entity ON tree_history(entity, entity_id, id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    pinyin        TEXT NOT NULL DEFAULT '',
    initials      TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE grants (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL,
    node_id    INTEGER REFERENCES nodes(id),
    org_id     INTEGER REFERENCES orgs(id),
    created_at TIMESTAMP NOT NULL,
    CHECK ((node_id IS NULL) <> (org_id IS NULL))
);
CREATE INDEX grants_user ON grants(user_id);
CREATE INDEX grants_node ON grants(node_id);
CREATE INDEX grants_org ON grants(org_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    username    TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    detail      TEXT NOT NULL
);
-- Append-only: the log cannot be edited or pruned through SQL.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE idempotency_keys (
    user_id       INTEGER NOT NULL,
    idem_key      TEXT NOT NULL,
    route         TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    resource      TEXT NOT NULL,
    resource_id   INTEGER NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
