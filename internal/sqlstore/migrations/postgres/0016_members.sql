-- Party members (issue 6): the member, their dual registration (双报到) with the community they
-- live in and its report certificate, and the weekday roster of sinking members.
CREATE TABLE members (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL,
    phone        TEXT NOT NULL DEFAULT '',
    branch_id    BIGINT NOT NULL REFERENCES party_orgs(id),
    joined_on    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    workplace    TEXT NOT NULL DEFAULT '',
    in_service   BOOLEAN NOT NULL DEFAULT FALSE,
    sinking      BOOLEAN NOT NULL DEFAULT FALSE,
    residence_id BIGINT NOT NULL REFERENCES nodes(id),
    path         TEXT COLLATE "C" NOT NULL, -- the residence's path
    user_id      BIGINT REFERENCES users(id),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX members_path ON members(path, id);

CREATE TABLE member_registrations (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id    BIGINT NOT NULL REFERENCES members(id),
    community_id BIGINT NOT NULL REFERENCES nodes(id),
    state        TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    confirmed_on TEXT,
    due_on       TEXT,
    certificate  TEXT UNIQUE,
    verify_token TEXT UNIQUE, -- the random part of the certificate's verification link (its QR code)
    current      BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX member_registrations_member ON member_registrations(member_id) WHERE current;
CREATE INDEX member_registrations_due ON member_registrations(community_id, due_on) WHERE current;

CREATE TABLE member_roster (
    member_id    BIGINT NOT NULL REFERENCES members(id),
    community_id BIGINT NOT NULL REFERENCES nodes(id),
    weekday      INTEGER NOT NULL,
    PRIMARY KEY (member_id, weekday)
);
CREATE INDEX member_roster_community ON member_roster(community_id, weekday);
