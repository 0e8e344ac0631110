-- Search by pinyin and pinyin initials (issue 6 item 10) for party members and volunteers, as
-- for nodes: the full pinyin and the initials (with the variants of characters of several
-- readings, space separated) of the name, written with the name. Rows recorded before this
-- migration get theirs when a server next starts (Store.Migrate fills the empty ones).
ALTER TABLE members ADD COLUMN pinyin TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN initials TEXT NOT NULL DEFAULT '';
ALTER TABLE volunteers ADD COLUMN pinyin TEXT NOT NULL DEFAULT '';
ALTER TABLE volunteers ADD COLUMN initials TEXT NOT NULL DEFAULT '';
