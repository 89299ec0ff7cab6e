// Package web holds lastmile's pages as templ components and its static assets (CSS and
// plain ES modules), both embedded in the binary.
package web

import (
	"embed"
	"io/fs"
	"time"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

//go:embed static
var static embed.FS

// Static returns the static assets, rooted at the folder that holds them.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// Page carries what every page needs: the reader's language and the request's details.
type Page struct {
	L     *i18n.Localizer
	Title string
	Path  string // the path of the page, for the language switch
	Nonce string // the Content-Security-Policy nonce of this response, if any
	Error string // a message to show at the top of the page, already localised
	// Notice is news to show at the top of the page (not an error), already localised.
	Notice string
	// Accounts is set when sign-in exists; Who names the signed-in person or guest;
	// SignedIn is set for a user with an account.
	Accounts bool
	Who      string
	SignedIn bool
	// SignUpClosed hides sign-up (the operator makes the accounts); AccountRequired says
	// that only signed-in people may make boards.
	SignUpClosed    bool
	AccountRequired bool
	// Templates says that people may save templates (a templates page exists).
	Templates bool
}

// BoardView is a board laid out for rendering: lanes top to bottom with their cells in
// stage order, and the blueprint lines placed above the lanes they precede.
type BoardView struct {
	Board  *blueprint.Board
	Stages []*blueprint.Stage
	Rows   []Row
	Teams  []*blueprint.Team
	Links  []LinkView
	team   map[string]*blueprint.Team
	// ReadOnly hides the edit forms from those who may not edit.
	ReadOnly bool
	// Role is the reader's role on a board that has members, "" on an open board.
	Role string
	// Share is the share-link panel, for the facilitator only.
	Share *ShareView
	// Members is the members panel, for the facilitator only.
	Members *MembersView
	// Access says how the reader came to the board, for the notice above it.
	Access BoardAccess
	// CanSaveTemplate offers to save the board as a template (a facilitator signed in).
	CanSaveTemplate bool
	// Viewer is who reads the page, for its scripts (the #board-viewer data block).
	Viewer ViewerState
	// CanPrint says that the server renders PDF and PNG exports (it has a Chromium).
	CanPrint bool
	anno     map[string]*AnnoCount // the annotations by anchor (Anno), counted once
}

// ViewerState is who reads a board page, as its scripts need it for comments, markers
// and "since you last looked": the identity the server stamps on their annotations (""
// without a session: the page's client id is used, "c:<client id>"), whether they may
// comment, and their last-seen point before this visit (a sequence, and when, Unix ms; 0
// and 0 on a first visit, when the point is set to the page's sequence).
type ViewerState struct {
	By         string `json:"by"`
	Name       string `json:"name"`
	CanComment bool   `json:"can_comment"`
	Moderator  bool   `json:"moderator"`
	LastSeen   int64  `json:"last_seen"`
	LastSeenAt int64  `json:"last_seen_at"`
	FirstVisit bool   `json:"first_visit"`
}

// BoardAccess is what the page says about who may open the board and what the reader may
// do about it.
type BoardAccess struct {
	// Unlisted is set for a board without members: whoever has its address edits it.
	Unlisted bool
	// Creator is set when the reader's browser session made the unlisted board: it may
	// claim it once signed in.
	Creator bool
	// CanDelete is set for the board's owner, and for the creator of an unlisted board.
	CanDelete bool
}

// MembersView is the facilitator's list of a board's members and of the guests who came
// through its share links. Self is the reader's user id.
type MembersView struct {
	Members []auth.Member
	Guests  []auth.Guest
	Self    string
}

// ShareView is the facilitator's list of share links and the address of a link just
// made (shown once: only its hash is kept).
type ShareView struct {
	Links  []*auth.Link
	NewURL string
	Now    time.Time
}

// LinkState is "active", "revoked" or "expired".
func (v *ShareView) LinkState(l *auth.Link) string {
	switch {
	case l.RevokedAt != nil:
		return "revoked"
	case !l.Valid(v.Now):
		return "expired"
	}
	return "active"
}

// Row is one lane with its cells and the line drawn above it, if any.
type Row struct {
	Lane  *blueprint.Lane
	Line  string // "", "interaction", "visibility" or "internal_interaction"
	Cells []Cell
}

// Cell holds the cards of one stage in one lane.
type Cell struct {
	Stage *blueprint.Stage
	Cards []*blueprint.Card
}

// LinkView is a link with the texts of the cards it joins.
type LinkView struct {
	Link     *blueprint.Link
	FromText string
	ToText   string
	Owner    *blueprint.Team
}

// NewBoardView lays a board out for rendering.
func NewBoardView(b *blueprint.Board) *BoardView {
	v := &BoardView{Board: b, Stages: b.SortedStages(), Teams: b.SortedTeams(), team: b.Teams}
	lines := map[string]string{}
	for _, l := range b.Lines() {
		lines[l.Before] = l.Name
	}
	cells := b.CellCards()
	for _, lane := range b.SortedLanes() {
		if lane.Hidden {
			continue
		}
		row := Row{Lane: lane, Line: lines[lane.ID]}
		for _, s := range v.Stages {
			row.Cells = append(row.Cells, Cell{Stage: s, Cards: cells[[2]string{s.ID, lane.ID}]})
		}
		v.Rows = append(v.Rows, row)
	}
	for _, l := range b.SortedLinks() {
		v.Links = append(v.Links, LinkView{Link: l, FromText: cardText(b, l.From), ToText: cardText(b, l.To), Owner: b.Teams[l.Owner]})
	}
	return v
}

// Team returns the team of a card, or nil.
func (v *BoardView) Team(c *blueprint.Card) *blueprint.Team { return v.team[c.Team] }

func cardText(b *blueprint.Board, id string) string {
	if c := b.Cards[id]; c != nil {
		return c.Text
	}
	return id
}
