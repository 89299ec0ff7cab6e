package blueprint

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"
)

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

// WriteWorkshopMarkdown appends to a Markdown report of b the results of its closed dot
// votes, newest first, and the summaries of its closed workshops: what the facilitation
// state f keeps of them. It writes nothing when there is neither.
func WriteWorkshopMarkdown(w io.Writer, b *Board, f Facilitation) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	md := MarkdownText
	var closed []Vote
	for _, v := range f.Votes {
		if !v.Open {
			closed = append(closed, v)
		}
	}
	slices.SortFunc(closed, func(a, b Vote) int { return cmp.Compare(b.ClosedAt, a.ClosedAt) })
	if len(closed) > 0 {
		p("## Dot votes\n\n")
		for _, v := range closed {
			p("### Vote on %s, closed %s (%d voters)\n\n", v.On, time.UnixMilli(v.ClosedAt).UTC().Format("2006-01-02 15:04 UTC"), v.Voters)
			for i, r := range v.Results {
				text := "(deleted)"
				if c := b.Cards[r.Item]; c != nil {
					text = md(c.Text)
				} else if m := b.Annotations.Markers[r.Item]; m != nil {
					text = "friction marker: " + md(m.Text)
				}
				p("%d. %s — %s\n", i+1, text, votesWord(r.Votes))
			}
			if len(v.Results) == 0 {
				p("Nobody voted.\n")
			}
			p("\n")
		}
	}
	if len(f.Sessions) > 0 {
		p("## Workshops\n\n")
		for i := len(f.Sessions) - 1; i >= 0; i-- {
			s := f.Sessions[i]
			p("- **%s**, closed by %s %s: %d cards added by %d people, %d friction markers, %d comments",
				md(s.Name), md(s.By), time.UnixMilli(s.ClosedAt).UTC().Format("2006-01-02 15:04 UTC"), s.Cards, s.People, s.Markers, s.Comments)
			for j, t := range s.TopVoted {
				sep := "; top voted: "
				if j > 0 {
					sep = ", "
				}
				text := "(deleted)"
				if t.Text != "" {
					text = md(t.Text)
				}
				p("%s%s (%s)", sep, text, votesWord(t.Votes))
			}
			p(".\n")
		}
		p("\n")
	}
	return bw.Flush()
}

func votesWord(n int) string {
	if n == 1 {
		return "1 vote"
	}
	return fmt.Sprintf("%d votes", n)
}
