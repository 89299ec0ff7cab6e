package blueprint

import "slices"

// Kinds of notifications: someone mentioned you in a comment, replied in a thread you
// wrote in, or gave a +1 to your marker.
const (
	NoticeMention = "mention"
	NoticeReply   = "reply"
	NoticePlusOne = "plusone"
)

// Notice is a notification an op makes for one person: what happened (Kind), to what
// (Item, a comment or a marker id), on which anchor. Who and when are the op's origin.
type Notice struct {
	To     string // the person told (ValidPerson)
	Kind   string
	Item   string
	Anchor Anchor
}

// Notices returns the notifications an annotation op makes, read on b right after the op
// applied as made by o: the people a new comment (or a new text of a comment) mentions
// and did not mention before, the authors of a thread's earlier comments for a reply,
// the author of a marker for a +1. Nobody is told of their own op, and each person once
// per op (a mention wins over a reply); an imported person (IsImported) never: there is
// nobody to tell. Board ops make none. prev holds the mentions of the comment before an
// edit (nil for a new comment).
func (b *Board) Notices(op Op, o Origin, prev []string) []Notice {
	var out []Notice
	add := func(to, kind, item string, a Anchor) {
		if to == "" || to == o.By || IsImported(to) || slices.ContainsFunc(out, func(n Notice) bool { return n.To == to }) {
			return
		}
		out = append(out, Notice{To: to, Kind: kind, Item: item, Anchor: a})
	}
	switch op.Type {
	case TypeComment:
		c := b.Annotations.Comments[op.ID]
		if c == nil || c.Deleted || op.Fields.Text == nil || op.Action == ActionDelete {
			return nil
		}
		for _, p := range c.Mentions {
			if !slices.Contains(prev, p) {
				add(p, NoticeMention, c.ID, c.Anchor)
			}
		}
		if op.Action == ActionCreate && c.Parent != "" {
			for _, other := range b.SortedComments() {
				if other.ID == c.Parent || (other.Parent == c.Parent && other.ID != c.ID && other.Seq < c.Seq) {
					add(other.By, NoticeReply, c.ID, c.Anchor)
				}
			}
		}
	case TypePlusOne:
		if m := b.Annotations.Markers[op.ID]; m != nil && op.Action == ActionCreate {
			add(m.By, NoticePlusOne, m.ID, m.Anchor)
		}
	}
	return out
}

// Notification is a notice as stored for its person and shown to them: on which board,
// made by which op (Seq), by whom (By, Author) and when (At, Unix ms); Read once the
// person marked it read.
type Notification struct {
	ID         int64  `json:"id"`
	Board      string `json:"board"`
	BoardTitle string `json:"board_title"`
	Seq        int64  `json:"seq"`
	Kind       string `json:"kind"`
	Item       string `json:"item"`
	Anchor     string `json:"anchor"` // as Anchor.String writes it
	By         string `json:"by"`
	Author     string `json:"author"`
	At         int64  `json:"at"`
	Read       bool   `json:"read"`
}

// NoticeMail is what one e-mail tells a user: their mentions and replies not mailed yet.
type NoticeMail struct {
	UserID, Email string
	Items         []Notification
}
