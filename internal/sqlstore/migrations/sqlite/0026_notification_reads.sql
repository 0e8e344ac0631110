-- Which in-app notifications each user has read (issue 5 item 3). A user's notices are those of
-- the nodes and departments they hold a role at, so "read" is per user: read_up_to says every
-- notice up to that id is read (全部已读), notification_reads the ones read one by one above it.
CREATE TABLE notification_seen (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id),
    read_up_to INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE notification_reads (
    user_id         INTEGER NOT NULL REFERENCES users(id),
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    read_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, notification_id)
);
