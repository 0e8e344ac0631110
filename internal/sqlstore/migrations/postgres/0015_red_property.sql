-- Red property (issue 6): a property company's party branch, and the members of owners'
-- committees and property companies with the posts they also hold in the community.
CREATE TABLE org_branches (
    org_id        BIGINT PRIMARY KEY REFERENCES orgs(id),
    party_org_id  BIGINT NOT NULL REFERENCES party_orgs(id)
);
CREATE TABLE org_members (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         BIGINT NOT NULL REFERENCES orgs(id),
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    party_member   BOOLEAN NOT NULL DEFAULT FALSE,
    community_post TEXT NOT NULL DEFAULT '',
    since          TEXT NOT NULL,
    ended_on       TEXT,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX org_members_org ON org_members(org_id) WHERE ended_on IS NULL;
