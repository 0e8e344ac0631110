-- Households (issue 6): the dwellings of a building, at a unit, floor and room; the building's
-- declared units and floors draw its chart (楼盘表).
ALTER TABLE nodes ADD COLUMN units INTEGER;
ALTER TABLE nodes ADD COLUMN floors INTEGER;

CREATE TABLE households (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_id BIGINT NOT NULL REFERENCES nodes(id),
    path        TEXT NOT NULL, -- the building's path: scope checks and subtree lists
    unit        INTEGER NOT NULL,
    floor       INTEGER NOT NULL,
    room        TEXT NOT NULL,
    occupancy   TEXT NOT NULL,
    lead_id     BIGINT REFERENCES party_orgs(id),
    note        TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (building_id, unit, room)
);
CREATE INDEX households_path ON households(path, id);
CREATE INDEX households_lead ON households(lead_id);
