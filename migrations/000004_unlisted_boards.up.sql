-- A board made without an account is unlisted: it has no members, anyone who holds its
-- address may edit it, and it is listed only to the browser session that made it, which
-- this table remembers until the board is claimed (the session's person signs in and
-- becomes its owner) or the session ends. Boards made before this table existed have no
-- creator: they stay reachable by their address only.
CREATE TABLE board_creators (
    board_id   text  PRIMARY KEY REFERENCES boards (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL REFERENCES sessions (token_hash) ON DELETE CASCADE
);

CREATE INDEX board_creators_session ON board_creators (token_hash);
