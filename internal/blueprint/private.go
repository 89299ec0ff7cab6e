package blueprint

import "strings"

// Private mode (docs/facilitation.md): while the facilitator has it on, the cards that
// participants add are drafts, kept apart from the board (not in its op log, so neither in
// a past version, an export nor any frame to anyone but their author) until the
// facilitator reveals them all at once. The reveal writes them as ops, each in its
// author's name; the facilitator can hide them again, which takes the revealed cards off
// the board and makes them drafts again, with the text they had then.

// Draft is a card a participant added in private mode, not yet revealed.
type Draft struct {
	ID    string `json:"id"`
	Stage string `json:"stage"`
	Lane  string `json:"lane"`
	Text  string `json:"text"`
	// By is its author's identity (as stamped on their annotations), Name their name.
	By   string `json:"-"`
	Name string `json:"-"`
}

// The facilitator's actions on private mode, and a draft's actions.
const (
	PrivateOn     = "on"     // new cards of participants are drafts
	PrivateOff    = "off"    // new cards go on the board again; drafts stay private
	PrivateReveal = "reveal" // every draft goes on the board, and private mode ends
	PrivateHide   = "hide"   // the last reveal's cards become drafts again, and private mode is on

	DraftAdd    = "add"
	DraftEdit   = "edit"
	DraftDelete = "delete"

	// MaxDraftsPerPerson is how many drafts one person may hold on a board.
	MaxDraftsPerPerson = 100
)

// PrivateActions are the facilitator's actions on private mode; DraftActions a draft's.
var (
	PrivateActions = []string{PrivateOn, PrivateOff, PrivateReveal, PrivateHide}
	DraftActions   = []string{DraftAdd, DraftEdit, DraftDelete}
)

// DraftChange is a participant's change of one of their drafts: add (ID, Stage, Lane,
// Text), edit (ID, Text) or delete (ID).
type DraftChange struct {
	Action string `json:"action"`
	ID     string `json:"id"`
	Stage  string `json:"stage,omitempty"`
	Lane   string `json:"lane,omitempty"`
	Text   string `json:"text,omitempty"`
}

// Check returns the error of a change that cannot be read, whatever the board.
func (c DraftChange) Check() error {
	if !ValidID(c.ID) {
		return Errorf(EINVALID, "a private card needs an id of 1 to 64 letters, digits, '-' or '_'")
	}
	switch c.Action {
	case DraftAdd:
		if !ValidID(c.Stage) || !ValidID(c.Lane) {
			return Errorf(EINVALID, "a private card needs its stage and lane")
		}
	case DraftEdit:
		if c.Stage != "" || c.Lane != "" {
			return Errorf(EINVALID, "only a private card's text can be edited")
		}
	case DraftDelete:
		if c.Stage != "" || c.Lane != "" || c.Text != "" {
			return Errorf(EINVALID, "a private card's deletion names it only")
		}
		return nil
	default:
		return Errorf(EINVALID, "a private card's action is add, edit or delete")
	}
	if strings.TrimSpace(c.Text) == "" {
		return Errorf(EINVALID, "a private card needs some text")
	}
	return checkText("text", c.Text, MaxTextLen)
}
