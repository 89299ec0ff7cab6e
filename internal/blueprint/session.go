package blueprint

// Session is the summary of a workshop the facilitator closed (docs/facilitation.md): what
// the ops of the session added, by how many people, and the top-voted items of the votes
// closed during it. It is kept with the facilitation state, and the board's history shows
// it; the board at the close is kept as a named version (VersionSeq).
type Session struct {
	Name     string     `json:"name"`
	By       string     `json:"by"` // the facilitator's name
	ClosedAt int64      `json:"closed_at"`
	FromSeq  int64      `json:"from_seq"` // the session's ops are those after FromSeq …
	ToSeq    int64      `json:"to_seq"`   // … up to ToSeq, the named version's sequence
	Cards    int        `json:"cards"`    // cards added
	People   int        `json:"people"`   // how many people added them
	Markers  int        `json:"markers"`  // friction markers added
	Comments int        `json:"comments"` // comments added
	TopVoted []TopVoted `json:"top_voted,omitempty"`
}

// TopVoted is one of a session's most voted items, with its text at the close.
type TopVoted struct {
	Item  string `json:"item"`
	Text  string `json:"text"`
	Votes int    `json:"votes"`
}

// MaxSessions is how many closed sessions a board's facilitation state keeps; TopVotedItems
// how many top-voted items a session's summary names.
const (
	MaxSessions   = 20
	TopVotedItems = 3
)

// Summarize returns the summary of a session whose ops are ops, on board b as it is at the
// close, with votes the facilitation state's votes: those closed at or after since (unix
// ms) count.
func Summarize(ops []Committed, b *Board, votes []Vote, since int64) Session {
	var s Session
	people := map[string]bool{}
	for _, c := range ops {
		if c.Op.Action != ActionCreate {
			continue
		}
		switch c.Op.Type {
		case TypeCard:
			s.Cards++
			who := c.By
			if who == "" {
				who = "name:" + c.Author
			}
			people[who] = true
		case TypeMarker:
			s.Markers++
		case TypeComment:
			s.Comments++
		}
	}
	s.People = len(people)
	sum := map[string]int{}
	for _, v := range votes {
		if !v.Open && v.ClosedAt >= since {
			for _, r := range v.Results {
				sum[r.Item] += r.Votes
			}
		}
	}
	top := make([]VoteResult, 0, len(sum))
	for item, n := range sum {
		top = append(top, VoteResult{Item: item, Votes: n})
	}
	for _, r := range RankResults(top) {
		if len(s.TopVoted) == TopVotedItems {
			break
		}
		text := ""
		if c := b.Cards[r.Item]; c != nil {
			text = c.Text
		} else if m := b.Annotations.Markers[r.Item]; m != nil {
			text = m.Text
		}
		s.TopVoted = append(s.TopVoted, TopVoted{Item: r.Item, Text: truncate(text, 200), Votes: r.Votes})
	}
	return s
}
