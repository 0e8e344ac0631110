-- Posts and duties (设岗定责) and 包保 (issue 6): the posts a party member holds, each serving a
-- community, grid, micro-grid or building, and the buildings or households a member answers for.
-- Ending either keeps the row with its end (ended_on). Subtrees are read through the node's path
-- in nodes (no copy of it here), so a node moved elsewhere takes its posts along.
CREATE TABLE member_posts (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '', -- the name of a post of kind other
    node_id    INTEGER NOT NULL REFERENCES nodes(id),
    duties     TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT, -- the planned last day
    ended_on   TEXT, -- the day the post was ended
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX member_posts_member ON member_posts(member_id, id);
CREATE INDEX member_posts_node ON member_posts(node_id) WHERE ended_on IS NULL;
-- A member holds one current post of a kind (and name) at a node.
CREATE UNIQUE INDEX member_posts_current ON member_posts(member_id, node_id, kind, name) WHERE ended_on IS NULL;

CREATE TABLE baobao (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    building_id  INTEGER NOT NULL REFERENCES nodes(id), -- the building, or the household's building
    household_id INTEGER REFERENCES households(id),    -- NULL: the whole building
    starts_on    TEXT NOT NULL,
    ended_on     TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX baobao_building ON baobao(building_id) WHERE ended_on IS NULL;
CREATE INDEX baobao_household ON baobao(household_id) WHERE ended_on IS NULL;
CREATE INDEX baobao_member ON baobao(member_id, id);
-- A member answers once for a building, once for a household.
CREATE UNIQUE INDEX baobao_current_building ON baobao(member_id, building_id) WHERE ended_on IS NULL AND household_id IS NULL;
CREATE UNIQUE INDEX baobao_current_household ON baobao(member_id, household_id) WHERE ended_on IS NULL AND household_id IS NOT NULL;
