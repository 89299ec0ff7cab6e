package web

import (
	"strings"

	"lastmile/internal/blueprint"
)

// AnnoCount is what the board shows on one anchor (a card, a cell, a link or a stage):
// the comments of its open threads (deleted ones not counted) and its open friction
// markers by severity (in the order of blueprint.Severities). render.js counts the same
// (annotationCounts in annotations-core.js); TestRenderMatchesServer compares them.
type AnnoCount struct {
	Comments int
	Markers  [4]int
}

// SeverityCount is a number of open markers of one severity.
type SeverityCount struct {
	Severity string
	N        int
}

// Severe lists the severities with open markers, the most severe first.
func (a *AnnoCount) Severe() []SeverityCount {
	var out []SeverityCount
	for i := len(blueprint.Severities) - 1; i >= 0; i-- {
		if a.Markers[i] > 0 {
			out = append(out, SeverityCount{blueprint.Severities[i], a.Markers[i]})
		}
	}
	return out
}

// annotationCounts counts a board's open annotations by anchor, keyed as the JSON API
// writes anchors ("card:c1", "cell:s1/l1", "link:k1", "stage:s1"). A reply counts on its
// thread's anchor, and only while the thread is open.
func annotationCounts(b *blueprint.Board) map[string]*AnnoCount {
	out := map[string]*AnnoCount{}
	at := func(a blueprint.Anchor) *AnnoCount {
		k := a.String()
		if out[k] == nil {
			out[k] = &AnnoCount{}
		}
		return out[k]
	}
	for _, c := range b.Annotations.Comments {
		if c.Deleted {
			continue
		}
		root := c
		for i := 0; root.Parent != "" && i < 4; i++ {
			p := b.Annotations.Comments[root.Parent]
			if p == nil {
				break
			}
			root = p
		}
		if root.Resolved {
			continue
		}
		at(root.Anchor).Comments++
	}
	for _, m := range b.Annotations.Markers {
		if m.Resolved {
			continue
		}
		for i, s := range blueprint.Severities {
			if s == m.Severity {
				at(m.Anchor).Markers[i]++
			}
		}
	}
	return out
}

// Anno returns the annotations to show on an anchor, nil for none.
func (v *BoardView) Anno(key string) *AnnoCount {
	if v.anno == nil {
		v.anno = annotationCounts(v.Board)
	}
	a := v.anno[key]
	if a == nil || (a.Comments == 0 && a.Markers == [4]int{}) {
		return nil
	}
	return a
}

func cellAnchor(stage, lane string) string { return "cell:" + stage + "/" + lane }

// annoTexts are the texts annotations.js, since.js and notifications.js fill in, in the
// page's language ({name}-style placeholders; plural forms with {n}).
func annoTexts(p Page) map[string]any {
	keys := []string{"filter.all", "filter.open", "filter.resolved", "filter.mine", "filter.mentions", "none", "on",
		"anchor.card", "anchor.cell", "anchor.link", "anchor.stage", "gone.card", "gone.cell", "gone.link", "gone.stage",
		"comment", "send", "reply", "edit", "save", "cancel", "delete", "resolve", "reopen", "deleted", "edited",
		"resolved_by", "resolved_how", "plusone", "withdraw", "resolution", "markers_of", "refused", "empty", "people",
		"imported", "imported_title"}
	t := map[string]string{}
	for _, k := range keys {
		t[k] = p.L.T("anno." + k)
	}
	for _, k := range []string{"summary", "next", "prev", "seen", "position", "added", "changed", "deleted", "commented", "marked", "resolved"} {
		t["since."+k] = p.L.T("since." + k)
	}
	sev := map[string]string{}
	for _, s := range blueprint.Severities {
		sev[s] = p.L.T("severity." + s)
	}
	kinds := map[string]string{}
	for _, k := range blueprint.FrictionKinds {
		kinds[k] = p.L.T("friction." + k)
	}
	plural := func(id string) map[string]string {
		return map[string]string{"one": p.L.Plural(id, 1, "{n}"), "other": p.L.Plural(id, 2, "{n}")}
	}
	return map[string]any{
		"lang": p.L.Lang(), "t": t, "severity": sev, "kind": kinds,
		"plural": map[string]any{"comments": plural("count.comments"), "markers": plural("count.markers"),
			"plusones": plural("count.plusones"), "changes": plural("count.changes"), "people": plural("count.people")},
	}
}

// markersLabel says how many open markers of a severity an anchor has, for screen readers
// and the tooltip: "2 friction markers, high".
func markersLabel(p Page, s SeverityCount) string {
	return strings.NewReplacer("{markers}", p.L.N("count.markers", s.N), "{severity}", p.L.T("severity."+s.Severity)).
		Replace(p.L.T("anno.markers_of"))
}

// annoAnchors lists what a comment of the plain form may be on: the cards, then the
// stages, by their place on the board.
func annoAnchors(v *BoardView) [][2]string {
	var out [][2]string
	for _, row := range v.Rows {
		for _, cell := range row.Cells {
			for _, c := range cell.Cards {
				out = append(out, [2]string{"card:" + c.ID, cutText(c.Text, 60)})
			}
		}
	}
	for _, s := range v.Stages {
		out = append(out, [2]string{"stage:" + s.ID, cutText(s.Name, 60)})
	}
	return out
}

func cutText(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// notifTexts are the texts of notifications.js, in the page's language.
func notifTexts(p Page) map[string]any {
	t := map[string]string{}
	for _, k := range []string{"mention", "reply", "plusone"} {
		t[k] = p.L.T("notif." + k)
	}
	return map[string]any{"lang": p.L.Lang(), "t": t,
		"count": map[string]string{"one": p.L.Plural("count.notifications", 1, "{n}"), "other": p.L.Plural("count.notifications", 2, "{n}")}}
}

func init() {
	// The keyboard help (EditorUI) says how to comment on what has the focus.
	editorShortcuts = append(editorShortcuts, "comment")
}

// annoBadgeTexts are the texts render.js fills in the badges (in #board-texts).
func annoBadgeTexts(p Page) map[string]any {
	sev := map[string]string{}
	for _, s := range blueprint.Severities {
		sev[s] = p.L.T("severity." + s)
	}
	plural := func(id string) map[string]string {
		return map[string]string{"one": p.L.Plural(id, 1, "{n}"), "other": p.L.Plural(id, 2, "{n}")}
	}
	return map[string]any{"comments": plural("count.comments"), "markers": plural("count.markers"),
		"markersOf": p.L.T("anno.markers_of"), "severity": sev}
}
