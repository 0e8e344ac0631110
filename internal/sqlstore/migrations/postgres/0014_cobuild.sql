-- Co-building (issue 6): agreements between resident units and communities, and each
-- community's "五个一" linkage (one row per link; a grid cadre's row names its grid).
CREATE TABLE cobuild_agreements (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    community_id BIGINT NOT NULL REFERENCES nodes(id),
    signed_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    content      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX cobuild_agreements_community ON cobuild_agreements(community_id);

CREATE TABLE community_links (
    community_id BIGINT NOT NULL REFERENCES nodes(id),
    link         TEXT NOT NULL, -- leader, unit, street_cadre, grid_cadre
    grid_id      BIGINT NOT NULL DEFAULT 0,
    name         TEXT NOT NULL DEFAULT '',
    org_id       BIGINT REFERENCES orgs(id),
    PRIMARY KEY (community_id, link, grid_id)
);
