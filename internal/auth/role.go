package auth

// Role is what someone may do on one board.
type Role string

// The roles, from most to least powerful. None means no access at all.
const (
	Facilitator Role = "facilitator" // the board's creator: everything, including share links
	Editor      Role = "editor"      // changes the board
	Commenter   Role = "commenter"   // reads and comments
	Viewer      Role = "viewer"      // reads
	None        Role = ""
)

// MemberRoles are the roles a member may have, from most to least powerful.
var MemberRoles = []Role{Facilitator, Editor, Commenter, Viewer}

// ValidMemberRole reports whether r is a role a member may have.
func ValidMemberRole(r Role) bool { return r == Facilitator || ValidLinkRole(r) }

// Roles a share link may give. A link never makes someone facilitator.
var LinkRoles = []Role{Editor, Commenter, Viewer}

// ValidLinkRole reports whether r is a role a share link may give.
func ValidLinkRole(r Role) bool { return r == Editor || r == Commenter || r == Viewer }

// Action is something done to a board.
type Action string

// The actions checked by the server.
const (
	View          Action = "view"           // read the board, its op log, its export; follow it live
	Comment       Action = "comment"        // comment on cards
	Edit          Action = "edit"           // send ops
	ManageLinks   Action = "manage_links"   // create, list and revoke share links
	ManageMembers Action = "manage_members" // list members, invite, change roles, remove
	Facilitate    Action = "facilitate"     // lock the board or its structure (docs/facilitation.md)
	SaveTemplate  Action = "save_template"  // save the board as a template of one's account (docs/templates.md)
)

var allowed = map[Role]map[Action]bool{
	Facilitator: {View: true, Comment: true, Edit: true, ManageLinks: true, ManageMembers: true, Facilitate: true, SaveTemplate: true},
	Editor:      {View: true, Comment: true, Edit: true},
	Commenter:   {View: true, Comment: true},
	Viewer:      {View: true},
}

// Can reports whether role may do action. It is the one table of permissions.
func Can(role Role, action Action) bool { return allowed[role][action] }

// Stronger returns the more powerful of two roles.
func Stronger(a, b Role) Role {
	rank := map[Role]int{Facilitator: 4, Editor: 3, Commenter: 2, Viewer: 1}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
