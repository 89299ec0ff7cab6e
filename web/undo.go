package web

import (
	"strings"

	"github.com/a-h/templ"
)

// undoTextIDs are the messages of UndoTexts: the outcomes of an undo or a redo, then
// what.<type>.<part>, what a sentence says was changed or deleted.
var undoTextIDs = []string{
	"undo.redone", "undo.nothing_to_redo", "undo.someone",
	"undo.not_undone.changed", "undo.not_undone.deleted", "undo.partly_undone.changed", "undo.partly_undone.deleted",
	"undo.not_redone.changed", "undo.not_redone.deleted", "undo.partly_redone.changed", "undo.partly_redone.deleted",
	"undo.what.board.title",
	"undo.what.stage.self", "undo.what.stage.name", "undo.what.stage.place", "undo.what.stage.cards",
	"undo.what.lane.self", "undo.what.lane.label", "undo.what.lane.role", "undo.what.lane.shown", "undo.what.lane.place",
	"undo.what.lane.cards",
	"undo.what.card.self", "undo.what.card.text", "undo.what.card.detail", "undo.what.card.place", "undo.what.card.team",
	"undo.what.card.kind", "undo.what.card.times", "undo.what.card.emotion", "undo.what.card.links",
	"undo.what.card.stage", "undo.what.card.lane",
	"undo.what.team.self", "undo.what.team.name", "undo.what.team.color", "undo.what.team.cards", "undo.what.team.links",
	"undo.what.link.self", "undo.what.link.kind", "undo.what.link.status", "undo.what.link.critical",
	"undo.what.link.owner", "undo.what.link.card",
	// The facts of the last-mile analysis (undo.js PART).
	"undo.what.board.launch", "undo.what.board.problem", "undo.what.board.users", "undo.what.board.minimum",
	"undo.what.board.deadline", "undo.what.board.checkin", "undo.what.stage.volumes",
	"undo.what.card.evidence", "undo.what.card.manual", "undo.what.card.milestone",
	"undo.what.link.risk", "undo.what.link.ackfrom", "undo.what.link.ackto",
}

// undoAttr turns a message id into its data attribute: undo.not_undone.changed becomes
// data-not-undone-changed, which the page reads as dataset.notUndoneChanged.
var undoAttr = strings.NewReplacer(".", "-", "_", "-")

func undoTexts(p Page) templ.Attributes {
	a := make(templ.Attributes, len(undoTextIDs))
	for _, id := range undoTextIDs {
		a["data-"+undoAttr.Replace(strings.TrimPrefix(id, "undo."))] = p.L.TD(id, map[string]any{"Name": "{name}", "What": "{what}"})
	}
	return a
}
