-- Board templates that people saved from their boards (docs/templates.md): a frozen copy
-- of the board's document as lastmile JSON, without its id, sequence or annotations. A
-- private template is its owner's alone; a shared one is offered to everyone who may
-- make boards on this server. Deleting the account deletes its templates; deleting the
-- board a template was saved from leaves the template as it is.
CREATE TABLE board_templates (
    id          text        PRIMARY KEY,
    owner_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    shared      boolean     NOT NULL DEFAULT false,
    kind        text        NOT NULL DEFAULT '', -- the built-in template the board started from
    document    json        NOT NULL,
    card_count  int         NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX board_templates_owner ON board_templates (owner_id, created_at);
CREATE INDEX board_templates_shared ON board_templates (created_at) WHERE shared;
