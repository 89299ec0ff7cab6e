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
	Sessions []blueprint.Session // the workshops closed on the board, newest first
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

// namedVerbs are the activity verbs whose message names what they count (threads, replies,
// frictions, +1s): the clause adds no type after them.
var namedVerbs = map[string]bool{"comment": true, "reply": true, "mark": true, "plusone": true, "withdraw": true}

// historyClause writes one clause of a history group as a sentence: "added 4 cards in
// Find out", the type in the count's plural form, and the stage its entities are in when
// they are all in one that still exists.
func historyClause(p Page, b *blueprint.Board, it blueprint.ActivityItem) string {
	s := p.L.N("history.verb."+it.Verb, it.Count)
	if !namedVerbs[it.Verb] {
		s += " " + p.L.N("history.type."+it.Type, it.Count)
	}
	if st := b.Stages[it.Stage]; it.Stage != "" && st != nil {
		s += " " + p.L.TD("history.in_stage", map[string]any{"Stage": st.Name})
	}
	return s
}

// sessionSummary says what a closed workshop added, and its top-voted items.
func sessionSummary(p Page, s blueprint.Session) string {
	out := p.L.N("session.cards", s.Cards) + " " + p.L.N("session.people", s.People) + ", " +
		p.L.N("session.markers", s.Markers) + ", " + p.L.N("session.comments", s.Comments) + "."
	if len(s.TopVoted) > 0 {
		var top []string
		for _, t := range s.TopVoted {
			top = append(top, p.L.TD("session.top_item", map[string]any{"Text": t.Text, "Votes": p.L.N("votes.count", t.Votes)}))
		}
		out += " " + p.L.T("session.top") + " " + strings.Join(top, ", ") + "."
	}
	return out
}
