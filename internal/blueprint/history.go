package blueprint

import (
	"context"
	"strings"
	"time"
)

// Version is a name given to a sequence of a board's log ("after workshop 1"): the board
// as it was once that op was committed.
type Version struct {
	ID     int64     `json:"id"`
	Seq    int64     `json:"seq"`
	Name   string    `json:"name"`
	Author string    `json:"author"`
	At     time.Time `json:"at"`
}

// MaxVersions bounds the named versions of one board.
const MaxVersions = 1000

// CheckVersionName returns the name trimmed, or EINVALID when it is empty, or longer than
// MaxNameLen characters, or not text.
func CheckVersionName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Errorf(EINVALID, "a version needs a name")
	}
	if err := checkText("name", name, MaxNameLen); err != nil {
		return "", err
	}
	return name, nil
}

// HistoryService keeps a board's past: past versions rebuilt from the log, and names
// given to versions.
type HistoryService interface {
	// BoardAt returns the board as it was once the op of sequence seq was committed,
	// rebuilt from the nearest stored snapshot at or before seq and the ops after it.
	// ENOTFOUND when there is no such board, or when seq is past its last op; EINVALID
	// when seq is below 1.
	BoardAt(ctx context.Context, id string, seq int64) (*Board, error)

	// NameVersion names the board's current sequence and returns the version.
	// ENOTFOUND for an unknown board; ECONFLICT when it has MaxVersions already.
	// The caller checks the name (CheckVersionName).
	NameVersion(ctx context.Context, boardID, name, author string) (Version, error)

	// Versions returns the board's named versions, newest first.
	Versions(ctx context.Context, boardID string) ([]Version, error)
}
