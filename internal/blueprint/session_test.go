package blueprint_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
)

// TestSummarize: a session counts the cards, markers and comments its ops created, the
// people who created the cards, and names the top-voted items of the votes closed during
// it (summed over votes, ranked, at most three), with their text.
func TestSummarize(t *testing.T) {
	b := blueprint.NewBoard("b", "Board", "")
	stage, lane := "s", "l"
	for _, id := range []string{"k1", "k2", "k3", "k4"} {
		text := "text of " + id
		b.Cards[id] = &blueprint.Card{ID: id, Stage: stage, Lane: lane, Text: text}
	}
	create := func(typ, id, by string) blueprint.Committed {
		return blueprint.Committed{By: by, Op: blueprint.Op{Action: blueprint.ActionCreate, Type: typ, ID: id}}
	}
	ops := []blueprint.Committed{create("card", "k1", "u:a"), create("card", "k2", "u:b"), create("card", "k3", "u:a"),
		create("marker", "f1", "u:b"), create("comment", "m1", "u:c"),
		{By: "u:a", Op: blueprint.Op{Action: blueprint.ActionUpdate, Type: "card", ID: "k1"}}}
	votes := []blueprint.Vote{
		{ID: "old", ClosedAt: 50, Results: []blueprint.VoteResult{{Item: "k4", Votes: 9}}},
		{ID: "v1", ClosedAt: 150, Results: []blueprint.VoteResult{{Item: "k2", Votes: 3}, {Item: "k1", Votes: 2}}},
		{ID: "v2", ClosedAt: 160, Results: []blueprint.VoteResult{{Item: "k1", Votes: 2}, {Item: "k3", Votes: 1}, {Item: "gone", Votes: 1}}},
		{ID: "open", Open: true},
	}
	got := blueprint.Summarize(ops, b, votes, 100)
	want := blueprint.Session{Cards: 3, People: 2, Markers: 1, Comments: 1, TopVoted: []blueprint.TopVoted{
		{Item: "k1", Text: "text of k1", Votes: 4}, {Item: "k2", Text: "text of k2", Votes: 3}, {Item: "gone", Votes: 1}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Summarize (-want +got):\n%s", diff)
	}

	var buf bytes.Buffer
	f := blueprint.Facilitation{Votes: votes, Sessions: []blueprint.Session{{Name: "W1", By: "Ana", ClosedAt: 170, Cards: 3, People: 2, TopVoted: got.TopVoted}}}
	if err := blueprint.WriteWorkshopMarkdown(&buf, b, f); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"## Dot votes", "1. text of k1 — 2 votes\n2. text of k3 — 1 vote\n3. (deleted) — 1 vote", "## Workshops",
		"- **W1**, closed by Ana 1970-01-01 00:00 UTC: 3 cards added by 2 people, 0 friction markers, 0 comments; top voted: text of k1 (4 votes), text of k2 (3 votes), (deleted) (1 vote)."} {
		if !strings.Contains(buf.String(), s) {
			t.Fatalf("the workshop's Markdown lacks %q:\n%s", s, buf.String())
		}
	}
	buf.Reset()
	if err := blueprint.WriteWorkshopMarkdown(&buf, b, blueprint.Facilitation{}); err != nil || buf.Len() != 0 {
		t.Fatalf("nothing to say wrote %q, %v", buf.String(), err)
	}
}
