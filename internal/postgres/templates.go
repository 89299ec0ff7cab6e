package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"lastmile/internal/blueprint"
)

// templateColumns are the columns of a saved template as scanTemplate reads them, from
// board_templates t joined with users u.
const templateColumns = `t.id, t.owner_id, u.email, t.name, t.description, t.shared, t.kind, t.card_count, t.created_at, t.updated_at`

func scanTemplate(row pgx.Row) (*blueprint.SavedTemplate, error) {
	var t blueprint.SavedTemplate
	var email string
	if err := row.Scan(&t.ID, &t.Owner, &email, &t.Name, &t.Description, &t.Shared, &t.Kind, &t.Cards, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return nil, err
	}
	t.OwnerName, _, _ = strings.Cut(email, "@") // as a session names its user
	return &t, nil
}

// CreateTemplate stores a template of the user t.Owner with its document (lastmile JSON,
// see blueprint.TemplateDocument), giving it its id and times. A user keeps at most max
// templates: past that it is ECONFLICT. The user's row is locked while the templates are
// counted, so that two saves at once cannot both pass the limit.
func (s *Store) CreateTemplate(ctx context.Context, t blueprint.SavedTemplate, document []byte, max int) (*blueprint.SavedTemplate, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, interpretError(err, "template")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var email string
	if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1 FOR UPDATE`, t.Owner).Scan(&email); err != nil {
		return nil, interpretError(err, "user")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM board_templates WHERE owner_id = $1`, t.Owner).Scan(&n); err != nil {
		return nil, interpretError(err, "template")
	}
	if n >= max {
		return nil, blueprint.Errorf(blueprint.ECONFLICT, "you have %d templates, the most one may keep: delete one before saving another", n)
	}
	t.ID = blueprint.NewTemplateID(newBoardID())
	t.CreatedAt = s.now().UTC()
	t.UpdatedAt = t.CreatedAt
	t.OwnerName, _, _ = strings.Cut(email, "@")
	if _, err := tx.Exec(ctx, `INSERT INTO board_templates (id, owner_id, name, description, shared, kind, document, card_count, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		t.ID, t.Owner, t.Name, t.Description, t.Shared, t.Kind, string(document), t.Cards, t.CreatedAt); err != nil {
		return nil, interpretError(err, "template")
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, interpretError(err, "template")
	}
	return &t, nil
}

// ListTemplates returns the saved templates userID may start a board from: their own,
// newest first, then up to sharedLimit of the templates others shared, newest first.
// Without a user ("") it is the shared ones only.
func (s *Store) ListTemplates(ctx context.Context, userID string, sharedLimit int) ([]*blueprint.SavedTemplate, error) {
	rows, err := s.pool.Query(ctx, `
		(SELECT `+templateColumns+`, 0 AS part FROM board_templates t JOIN users u ON u.id = t.owner_id
			WHERE t.owner_id = $1 ORDER BY t.created_at DESC, t.id)
		UNION ALL
		(SELECT `+templateColumns+`, 1 AS part FROM board_templates t JOIN users u ON u.id = t.owner_id
			WHERE t.shared AND t.owner_id <> $1 ORDER BY t.created_at DESC, t.id LIMIT $2)
		ORDER BY part, created_at DESC, id`, userID, sharedLimit)
	if err != nil {
		return nil, interpretError(err, "template")
	}
	defer rows.Close()
	list := []*blueprint.SavedTemplate{}
	for rows.Next() {
		var part int
		var t blueprint.SavedTemplate
		var email string
		if err := rows.Scan(&t.ID, &t.Owner, &email, &t.Name, &t.Description, &t.Shared, &t.Kind, &t.Cards, &t.CreatedAt, &t.UpdatedAt, &part); err != nil {
			return nil, interpretError(err, "template")
		}
		t.OwnerName, _, _ = strings.Cut(email, "@")
		list = append(list, &t)
	}
	return list, interpretError(rows.Err(), "template")
}

// FindTemplate returns a saved template userID may use — their own, or a shared one —
// with its document. ENOTFOUND when there is none, and for another's private template:
// its existence is nobody else's business.
func (s *Store) FindTemplate(ctx context.Context, id, userID string) (*blueprint.SavedTemplate, []byte, error) {
	if !blueprint.IsSavedTemplateID(id) {
		return nil, nil, blueprint.Errorf(blueprint.ENOTFOUND, "%s not found", blueprint.Term("template"))
	}
	var doc string
	row := s.pool.QueryRow(ctx, `SELECT `+templateColumns+`, t.document::text FROM board_templates t JOIN users u ON u.id = t.owner_id
		WHERE t.id = $1 AND (t.owner_id = $2 OR t.shared)`, id, userID)
	var t blueprint.SavedTemplate
	var email string
	if err := row.Scan(&t.ID, &t.Owner, &email, &t.Name, &t.Description, &t.Shared, &t.Kind, &t.Cards, &t.CreatedAt, &t.UpdatedAt, &doc); err != nil {
		return nil, nil, interpretError(err, "template")
	}
	t.OwnerName, _, _ = strings.Cut(email, "@")
	return &t, []byte(doc), nil
}

// UpdateTemplate changes the name, description or sharing of the user's own template.
// ENOTFOUND when userID may not see it; EFORBIDDEN when it is another's shared template.
func (s *Store) UpdateTemplate(ctx context.Context, id, userID string, c blueprint.TemplateChange) (*blueprint.SavedTemplate, error) {
	if err := s.ownTemplate(ctx, id, userID); err != nil {
		return nil, err
	}
	row := s.pool.QueryRow(ctx, `WITH t AS (
			UPDATE board_templates SET name = coalesce($3, name), description = coalesce($4, description),
				shared = coalesce($5, shared), updated_at = $6
			WHERE id = $1 AND owner_id = $2 RETURNING *)
		SELECT `+templateColumns+` FROM t JOIN users u ON u.id = t.owner_id`,
		id, userID, c.Name, c.Description, c.Shared, s.now().UTC())
	t, err := scanTemplate(row)
	if err != nil {
		return nil, interpretError(err, "template")
	}
	return t, nil
}

// DeleteTemplate deletes the user's own template. ENOTFOUND when userID may not see it;
// EFORBIDDEN when it is another's shared template: only its owner deletes a template.
func (s *Store) DeleteTemplate(ctx context.Context, id, userID string) error {
	if err := s.ownTemplate(ctx, id, userID); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM board_templates WHERE id = $1 AND owner_id = $2`, id, userID)
	if err != nil {
		return interpretError(err, "template")
	}
	if tag.RowsAffected() == 0 { // deleted in between
		return blueprint.Errorf(blueprint.ENOTFOUND, "%s not found", blueprint.Term("template"))
	}
	return nil
}

// ownTemplate says whether the template id is userID's own: ENOTFOUND when they may not
// see it, EFORBIDDEN when it is another's shared one.
func (s *Store) ownTemplate(ctx context.Context, id, userID string) error {
	if !blueprint.IsSavedTemplateID(id) {
		return blueprint.Errorf(blueprint.ENOTFOUND, "%s not found", blueprint.Term("template"))
	}
	var owner string
	err := s.pool.QueryRow(ctx, `SELECT owner_id FROM board_templates WHERE id = $1 AND (owner_id = $2 OR shared)`, id, userID).Scan(&owner)
	if err != nil {
		return interpretError(err, "template")
	}
	if owner != userID {
		return blueprint.Errorf(blueprint.EFORBIDDEN, "only its owner may change or delete a template")
	}
	return nil
}
