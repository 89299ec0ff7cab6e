-- The live state of a workshop on a board (docs/facilitation.md): its lock, later its
-- timer. Not part of the board's document: it is neither in the op log nor in the state,
-- and a past version or an export knows nothing of it. seq counts its changes.
CREATE TABLE board_facilitation (
    board_id   text        PRIMARY KEY REFERENCES boards (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    state      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL
);
