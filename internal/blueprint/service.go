package blueprint

import (
	"context"
	"time"
)

// Edit is an op together with who sent it: their display name and, for annotation ops,
// their identity as the server knows it (never as a client says it), which the commit
// stamps on what the op makes (see Origin) and keeps in the log.
type Edit struct {
	Author string
	By     string // the sender's identity (ValidPerson); "" for nobody known
	// Moderator is set for a sender who may delete others' comments and markers.
	Moderator bool
	Op        Op
}

// Origin returns who made the edit, committed under seq at at (Unix ms).
func (e *Edit) Origin(seq, at int64) Origin {
	return Origin{Seq: seq, By: e.By, Name: e.Author, At: at, Moderator: e.Moderator}
}

// Result is the outcome of one op of a batch. Exactly one of these holds: Err is set
// (the op was rejected and changed nothing), Duplicate is set (an op with the same key was
// applied before; Seq is its sequence), or the op was applied now under Seq.
type Result struct {
	Seq       int64
	At        time.Time
	Duplicate bool
	Err       error
}

// BoardService stores boards as an op log plus their current state.
type BoardService interface {
	// CreateBoard creates a board with a new id and applies ops to it, in one transaction.
	// An op of type board sets the new board's own fields (the framing of an import): its
	// id, which the caller cannot know, is replaced by the new board's. A rejected op
	// rejects the whole creation (EINVALID, ENOTFOUND, ECONFLICT).
	CreateBoard(ctx context.Context, title, template, author string, ops []Op) (*Board, error)

	// CreateBoardBy is CreateBoard with the identity of the person who makes the board
	// (ValidPerson, or "" for nobody known), which the log keeps as the maker of each of
	// its ops: an import is the importer's (imported.go).
	CreateBoardBy(ctx context.Context, title, template, author, by string, ops []Op) (*Board, error)

	// FindBoard returns the current state of a board. ENOTFOUND if there is none.
	FindBoard(ctx context.Context, id string) (*Board, error)

	// DeleteBoard deletes a board and its whole op log. ENOTFOUND if there is none.
	DeleteBoard(ctx context.Context, id string) error

	// ListBoards returns every board, most recently changed first.
	ListBoards(ctx context.Context) ([]BoardSummary, error)

	// ApplyEdits applies a batch of edits to one board in one transaction, in order, each
	// one on the state the previous ones left: it assigns the applied ops the next
	// gap-free sequences and commits them with the resulting state. It returns one Result
	// per edit. The error is ENOTFOUND for an unknown board, or EINTERNAL when nothing
	// could be committed; then no op of the batch was applied.
	ApplyEdits(ctx context.Context, boardID string, edits []Edit) ([]Result, error)

	// OpsSince returns up to limit ops of the board with sequence > after, in order.
	OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]Committed, error)
}
