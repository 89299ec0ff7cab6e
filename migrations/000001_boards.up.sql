-- A board is its op log plus its current state. The state is the result of applying the
-- log in sequence order; both are written in the same transaction.
CREATE TABLE boards (
    id          text PRIMARY KEY,
    title       text        NOT NULL,
    template    text        NOT NULL DEFAULT '',
    seq         bigint      NOT NULL DEFAULT 0,
    state       json        NOT NULL,
    card_count  integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE INDEX boards_updated_at ON boards (updated_at DESC);

-- The op log: one row per applied op, sequences gap-free per board.
CREATE TABLE ops (
    board_id    text        NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq         bigint      NOT NULL,
    key         text,
    author      text        NOT NULL DEFAULT '',
    op          jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (board_id, seq)
);

-- Idempotency: a client key is applied at most once per board.
CREATE UNIQUE INDEX ops_board_key ON ops (board_id, key) WHERE key IS NOT NULL;
