-- Co-building (issue 6): agreements between resident units and communities, and each
-- community's "五个一" linkage (one row per link; a grid cadre's row names its grid).
CREATE TABLE cobuild_agreements (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES orgs(id),
    community_id INTEGER NOT NULL REFERENCES nodes(id),
    signed_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    content      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX cobuild_agreements_community ON cobuild_agreements(community_id);

CREATE TABLE community_links (
    community_id INTEGER NOT NULL REFERENCES nodes(id),
    link         TEXT NOT NULL, -- leader, unit, street_cadre, grid_cadre
    grid_id      INTEGER NOT NULL DEFAULT 0,
    name         TEXT NOT NULL DEFAULT '',
    org_id       INTEGER REFERENCES orgs(id),
    PRIMARY KEY (community_id, link, grid_id)
);
