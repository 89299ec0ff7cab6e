-- The cards participants add in private mode (docs/facilitation.md): kept apart from the
-- board's op log, so that nobody but their author sees them, until the facilitator
-- reveals them. revealed_at is set by the reveal (the cards are then ops of the board)
-- and cleared when the facilitator hides them again. author is the identity the server
-- stamps on a person's annotations, author_name their name.
CREATE TABLE board_drafts (
    board_id    text        NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    id          text        NOT NULL,
    author      text        NOT NULL,
    author_name text        NOT NULL,
    stage       text        NOT NULL,
    lane        text        NOT NULL,
    text        text        NOT NULL,
    created_at  timestamptz NOT NULL,
    revealed_at bigint,
    PRIMARY KEY (board_id, id)
);
CREATE INDEX board_drafts_author ON board_drafts (board_id, author) WHERE revealed_at IS NULL;
