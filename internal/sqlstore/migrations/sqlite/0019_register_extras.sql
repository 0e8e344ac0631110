-- The rest of issue 6's registers: volunteer service stations and kiosks, the renewal of
-- co-building agreements, the terms of owners' committees, and party members leaving.

-- Volunteer service stations (志愿服务站) and kiosks (服务点, 岗亭) at a community or a grid. Teams
-- and volunteers are attached to them; a line of a volunteer's service record may name the
-- station where the service was given. Subtrees are read through the node's path in nodes.
CREATE TABLE volunteer_stations (
    id         INTEGER PRIMARY KEY,
    node_id    INTEGER NOT NULL REFERENCES nodes(id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL, -- station, kiosk
    address    TEXT NOT NULL DEFAULT '',
    hours      TEXT NOT NULL DEFAULT '', -- opening hours, as text (周一至周五 8:30-17:30)
    contact    TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX volunteer_stations_node ON volunteer_stations(node_id, id);
CREATE TABLE volunteer_station_teams (
    station_id INTEGER NOT NULL REFERENCES volunteer_stations(id),
    team_id    INTEGER NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (station_id, team_id)
);
CREATE INDEX volunteer_station_teams_team ON volunteer_station_teams(team_id);
ALTER TABLE volunteers ADD COLUMN station_id INTEGER REFERENCES volunteer_stations(id);
CREATE INDEX volunteers_station ON volunteers(station_id) WHERE station_id IS NOT NULL;
ALTER TABLE volunteer_records ADD COLUMN station_id INTEGER REFERENCES volunteer_stations(id);

-- Co-building agreements: a renewal is the next agreement, linked to the one it renews (at most
-- one); the job loop notes once, by a conditional update of renewal_noticed_at, that an
-- agreement entered its renewal window.
ALTER TABLE cobuild_agreements ADD COLUMN renews_id INTEGER REFERENCES cobuild_agreements(id);
ALTER TABLE cobuild_agreements ADD COLUMN renewal_noticed_at TIMESTAMP;
CREATE UNIQUE INDEX cobuild_agreements_renews ON cobuild_agreements(renews_id) WHERE renews_id IS NOT NULL;
CREATE INDEX cobuild_agreements_ends ON cobuild_agreements(ends_on, id) WHERE renewal_noticed_at IS NULL;

-- Owners' committees' terms (业主委员会任期): one current term per committee; a re-election closes
-- it (ended_on) and ends its seats, which stay as the term's history (org_members.term_id).
CREATE TABLE committee_terms (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES orgs(id),
    elected_on TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    ended_on   TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX committee_terms_current ON committee_terms(org_id) WHERE ended_on IS NULL;
CREATE INDEX committee_terms_org ON committee_terms(org_id, id);
ALTER TABLE org_members ADD COLUMN term_id INTEGER REFERENCES committee_terms(id);

-- Party members leaving (转出, 出国出境, 去世, 停止党籍, 其他): no longer listed or counted, still
-- readable; the retention purge erases the phone (and the note) once the retention has passed.
ALTER TABLE members ADD COLUMN left_on TEXT;
ALTER TABLE members ADD COLUMN left_reason TEXT;
ALTER TABLE members ADD COLUMN left_note TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN erased_at TIMESTAMP;
CREATE INDEX members_left ON members(left_on, id) WHERE left_on IS NOT NULL AND erased_at IS NULL;
