-- Duplicate suggestions look for open cases of one category in one grid within a small box
-- around the new point and a window of days. Keyed by latitude and carrying longitude and the
-- time received, the index reads only the band of the box and checks the rest without touching
-- the table; only the cases that match are read.
DROP INDEX cases_open;
CREATE INDEX cases_open_near ON cases(node_id, category_id, lat, lng, created_at) WHERE state NOT IN ('closed', 'voided');
