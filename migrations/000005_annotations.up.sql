-- Comments, friction markers and +1s are ops of the board's log (docs/annotations.md). The
-- log keeps who made each op as the server knew them ("u:<user id>", "g:<guest digest>",
-- "c:<client id>"; '' for ops logged before, and for board ops of nobody known), so that a
-- replay stamps each annotation with its author again.
ALTER TABLE ops ADD COLUMN made_by text NOT NULL DEFAULT '';

-- Each person's last-seen point on a board: the sequence they had seen when they last
-- marked the board as seen (or first opened it). "Since you last looked" is computed from
-- the log after it.
CREATE TABLE last_seen (
    board_id text        NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    person   text        NOT NULL,
    seq      bigint      NOT NULL,
    seen_at  timestamptz NOT NULL,
    PRIMARY KEY (board_id, person)
);

-- Notifications: a mention, a reply in one's thread, a +1 on one's marker. They are written
-- in the transaction that commits the op that makes them, so an acknowledged op never loses
-- its notification. emailed_at is set once a mention or a reply was e-mailed (or found not
-- to need it); mails are sent from this table, so a crash between commit and mail loses
-- nothing either.
CREATE TABLE notifications (
    id         bigserial   PRIMARY KEY,
    person     text        NOT NULL,
    board_id   text        NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('mention', 'reply', 'plusone')),
    item       text        NOT NULL,
    anchor     text        NOT NULL,
    actor      text        NOT NULL,
    actor_name text        NOT NULL,
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    emailed_at timestamptz
);

CREATE INDEX notifications_person ON notifications (person, id DESC);
CREATE INDEX notifications_to_mail ON notifications (id) WHERE emailed_at IS NULL AND kind IN ('mention', 'reply');

-- Accounts that asked for no more e-mail (the unsubscribe link of every mail).
CREATE TABLE mail_unsubscribed (
    user_id    text        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL
);

-- Secrets of the instance, made at start when missing, shared by every process: the key
-- that signs unsubscribe links.
CREATE TABLE instance_secrets (
    name  text  PRIMARY KEY,
    value bytea NOT NULL
);
