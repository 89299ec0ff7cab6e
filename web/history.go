package web

import (
	"fmt"
	"strings"

	"lastmile/internal/blueprint"
)

// HistoryView is the history page of a board: its activity feed, page by page, and its
// named versions.
type HistoryView struct {
	Board    *blueprint.Board
	Groups   []blueprint.ActivityGroup
	Next     int64 // the before= of the older page; 0 at the first op
	Versions []blueprint.Version
	CanEdit  bool
}

// VersionView is a past version of a board shown read-only, compared with the board now.
type VersionView struct {
	*BoardView
	Now     int64 // the board's sequence now
	Diff    blueprint.VersionDiff
	CanEdit bool
}

// compareStyles returns CSS marking on the past board the cards and links that differ
// from now. Ids are checked against their pattern again, as this is written into a
// style element as is.
func compareStyles(d blueprint.VersionDiff) string {
	var sb strings.Builder
	mark := func(attr string, ids []string, class string) {
		for _, id := range ids {
			if blueprint.ValidID(id) {
				fmt.Fprintf(&sb, "[%s=%q]{outline:3px %s var(--version-%s,#b45309);outline-offset:2px}", attr, id,
					map[string]string{"removed": "dashed", "changed": "solid"}[class], class)
			}
		}
	}
	mark("data-card-id", d.RemovedCards, "removed")
	mark("data-card-id", d.ChangedCards, "changed")
	mark("data-link-id", d.RemovedLinks, "removed")
	mark("data-link-id", d.ChangedLinks, "changed")
	return sb.String()
}
