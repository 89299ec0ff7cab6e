-- Past versions of a board are rebuilt from the nearest snapshot at or before them plus
-- the ops after it (docs/history.md). A commit that rewrites the board's stored state and
-- crosses a multiple of 1,024 ops also keeps a copy of that state here, in the same
-- statement, so opening any past version replays at most about 1,300 ops.
CREATE TABLE board_snapshots (
    board_id text   NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq      bigint NOT NULL,
    state    json   NOT NULL,
    PRIMARY KEY (board_id, seq)
);

-- Named versions: a name given to a sequence of the board's log ("after workshop 1").
CREATE TABLE board_versions (
    id         bigserial   PRIMARY KEY,
    board_id   text        NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    name       text        NOT NULL,
    author     text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);

CREATE INDEX board_versions_board ON board_versions (board_id, seq DESC);
