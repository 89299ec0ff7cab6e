-- Personal API tokens: a person's bearer credential for /api, acting with the person's
-- roles. Only the SHA-256 of the 256-bit token is kept (docs/security.md). Revoking a token
-- deletes its row; deleting the account deletes its tokens.
CREATE TABLE api_tokens (
    id           text        PRIMARY KEY,
    user_id      text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    token_hash   bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
