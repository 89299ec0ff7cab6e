-- Accounts, sessions, board roles and share links. Secrets are never stored: passwords
-- as argon2id hashes (parameters inside the hash), session and link tokens as SHA-256.
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text        NOT NULL UNIQUE,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL
);

-- A session belongs to a user, or to a guest who came through a share link and gave a
-- display name (user_id NULL). token_hash is the SHA-256 of the cookie's token.
CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY,
    user_id     text REFERENCES users (id) ON DELETE CASCADE,
    guest_name  text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

-- Roles on a board. A board without any member is an open board: anyone may edit it.
CREATE TABLE board_members (
    board_id   text NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('facilitator', 'editor', 'commenter', 'viewer')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (board_id, user_id)
);

CREATE INDEX board_members_user ON board_members (user_id);

-- Share links: whoever holds the token gets the role, until the link is revoked or expires.
CREATE TABLE share_links (
    id            text PRIMARY KEY,
    board_id      text NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('editor', 'commenter', 'viewer')),
    token_hash    bytea       NOT NULL UNIQUE,
    password_hash text        NOT NULL DEFAULT '',
    label         text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz
);

CREATE INDEX share_links_board ON share_links (board_id);

-- A grant: a session that exchanged a share link. It lasts as long as the link is valid.
CREATE TABLE session_grants (
    token_hash bytea NOT NULL REFERENCES sessions (token_hash) ON DELETE CASCADE,
    link_id    text  NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (token_hash, link_id)
);
