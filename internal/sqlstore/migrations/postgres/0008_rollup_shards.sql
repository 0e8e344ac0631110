-- Rollup rows in shards: a counter row is (node, period[, department], shard), and figures sum the
-- shards. On PostgreSQL the group-commit workers and concurrent transitions each update rows of
-- their own shard, so they no longer queue on the district's row (which every case moves) until
-- the holder has committed and flushed. SQLite has one writer and writes shard 0 only.
ALTER TABLE case_rollup ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE case_rollup DROP CONSTRAINT case_rollup_pkey;
ALTER TABLE case_rollup ADD PRIMARY KEY (node_id, day, shard);
ALTER TABLE case_rollup_month ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE case_rollup_month DROP CONSTRAINT case_rollup_month_pkey;
ALTER TABLE case_rollup_month ADD PRIMARY KEY (node_id, month, shard);
ALTER TABLE case_org_rollup ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE case_org_rollup DROP CONSTRAINT case_org_rollup_pkey;
ALTER TABLE case_org_rollup ADD PRIMARY KEY (node_id, day, org_id, shard);
ALTER TABLE case_org_rollup_month ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE case_org_rollup_month DROP CONSTRAINT case_org_rollup_month_pkey;
ALTER TABLE case_org_rollup_month ADD PRIMARY KEY (node_id, month, org_id, shard);
