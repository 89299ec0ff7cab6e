-- Outgoing webhooks of a board (docs/security.md). The secret is kept as it was given,
-- since each delivery is signed with it. cursor is the last op sequence of the board that
-- has been turned into deliveries, readiness the overall level last announced: the
-- worker reads the op log after cursor and writes the deliveries and the new cursor in
-- one transaction, so that an acknowledged op is never lost for a webhook.
CREATE TABLE webhooks (
    id         text        PRIMARY KEY,
    board_id   text        NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    url        text        NOT NULL,
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL,
    cursor     bigint      NOT NULL,
    readiness  text        NOT NULL DEFAULT ''
);
CREATE INDEX webhooks_board ON webhooks (board_id);

-- The outbox: one row per event to deliver, with its state and its next try.
CREATE TABLE webhook_deliveries (
    id         bigserial   PRIMARY KEY,
    webhook_id text        NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event      text        NOT NULL,
    body       bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    state      text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts   int         NOT NULL DEFAULT 0,
    next_at    timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);

-- Each try of a delivery: the receiver's status, or why it could not be reached.
CREATE TABLE webhook_attempts (
    delivery_id bigint      NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    status      int         NOT NULL,
    error       text        NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
