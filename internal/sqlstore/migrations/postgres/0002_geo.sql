-- Grids on the map: boundaries of nodes, positions of buildings and service stations.
CREATE TABLE boundaries (
    node_id    BIGINT PRIMARY KEY REFERENCES nodes(id),
    geometry   TEXT NOT NULL,      -- MultiPolygon coordinates as JSON, WGS-84 (= CGCS2000)
    min_lng    DOUBLE PRECISION NOT NULL,
    min_lat    DOUBLE PRECISION NOT NULL,
    max_lng    DOUBLE PRECISION NOT NULL,
    max_lat    DOUBLE PRECISION NOT NULL,
    area_m2    DOUBLE PRECISION NOT NULL,
    vertices   INTEGER NOT NULL,
    source     TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- Bumped by every boundary change, so each server knows when to rebuild its point index.
CREATE TABLE geo_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO geo_revision (id, revision) VALUES (1, 0);
-- A position for any node (a building's entrance, a community's office) and a building's declared
-- number of households (户数), until the household register counts them.
ALTER TABLE nodes ADD COLUMN lng DOUBLE PRECISION;
ALTER TABLE nodes ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE nodes ADD COLUMN households INTEGER;
ALTER TABLE orgs ADD COLUMN lng DOUBLE PRECISION;
ALTER TABLE orgs ADD COLUMN lat DOUBLE PRECISION;
