package blueprint_test

import (
	"fmt"
	"testing"
	"time"

	"lastmile/internal/blueprint"
)

// bigJourney builds a board of 12 stages, the five blueprint lanes, 6 teams, 300 cards
// with times, evidence and milestones, 40 links (a quarter critical) and 200 markers
// with +1s, and the log of the ops that made it.
func bigJourney(tb testing.TB) (*blueprint.Board, []blueprint.Committed) {
	tb.Helper()
	b := blueprint.NewBoard("b1", "Big", blueprint.TemplateBlank)
	var log []blueprint.Committed
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	apply := func(o blueprint.Op) {
		if err := b.Apply(o); err != nil {
			tb.Fatalf("%s %s %s: %v", o.Action, o.Type, o.ID, err)
		}
		at = at.Add(7 * time.Minute)
		log = append(log, blueprint.Committed{Seq: int64(len(log) + 1), At: at, Op: o})
	}
	stages, _ := blueprint.KeysBetween("", "", 12)
	for i, k := range stages {
		apply(op("create", "stage", fmt.Sprintf("s%d", i), blueprint.Fields{Name: str(fmt.Sprintf("Stage %d", i)), Order: str(k),
			Entered: num(1000 - 60*i), Completed: num(1000 - 60*i - 10*(i%4))}))
	}
	roles := []string{evidenceLane, customer, front, back, support}
	for i, r := range roles {
		apply(op("create", "lane", r, blueprint.Fields{Role: str(r), Order: str(string(rune('a' + i)))}))
	}
	for i := range 6 {
		apply(op("create", "team", fmt.Sprintf("t%d", i), blueprint.Fields{Name: str(fmt.Sprintf("Team %d", i))}))
	}
	levels := []string{"observed", "assumed", "to_verify", ""}
	for i := range 300 {
		f := blueprint.Fields{Stage: str(fmt.Sprintf("s%d", i%12)), Lane: str(roles[(i/12)%5]), Order: str(fmt.Sprintf("V%03dV", i)),
			Text: str(fmt.Sprintf("Card %d does something", i)), ActiveMinutes: num(i % 90), ActiveMax: num(i%90 + 30),
			WaitMinutes: num(i % 7 * 60), Evidence: str(levels[i%4])}
		if (i/12)%5 >= 2 && i%5 != 0 {
			f.Team = str(fmt.Sprintf("t%d", i%6))
		}
		switch i {
		case 13:
			f.Milestone = str("first_contact")
		case 250:
			f.Milestone = str("value_moment")
		}
		f.Manual = flg(i%37 == 0)
		apply(op("create", "card", fmt.Sprintf("c%d", i), f))
	}
	for i := range 40 {
		f := blueprint.Fields{From: str(fmt.Sprintf("c%d", i*7)), To: str(fmt.Sprintf("c%d", i*7+13)), Critical: flg(i%4 == 0),
			Status: str([]string{"open", "agreed", "resolved"}[i%3]), Owner: str(fmt.Sprintf("t%d", i%6))}
		apply(op("create", "link", fmt.Sprintf("k%d", i), f))
		if i%5 == 0 {
			apply(op("update", "link", fmt.Sprintf("k%d", i), blueprint.Fields{Status: str("resolved")}))
		}
	}
	severities := []string{"low", "medium", "high", "blocking"}
	for i := range 200 {
		m := op("create", "marker", fmt.Sprintf("m%d", i), blueprint.Fields{Anchor: &blueprint.Anchor{Card: fmt.Sprintf("c%d", i*3%300)},
			Severity: str(severities[i%4]), Kind: str("waiting"), Text: str("slow")})
		if err := b.ApplyAs(m, blueprint.Origin{By: "u:ana", Name: "Ana", At: at.UnixMilli()}); err != nil {
			tb.Fatal(err)
		}
		for p := range i % 3 {
			if err := b.ApplyAs(op("create", "plusone", m.ID, blueprint.Fields{}), blueprint.Origin{By: fmt.Sprintf("u:p%d", p)}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return b, log
}

// BenchmarkAnalyze measures the whole analysis of a 300-card board with 40 links and 200
// markers, its op log included (docs/performance.md gives the figure).
func BenchmarkAnalyze(b *testing.B) {
	board, log := bigJourney(b)
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		blueprint.Analyze(board, log, now)
	}
}

// The big board's analysis finds what it holds: every measure has something to say.
func TestAnalyzeBigBoard(t *testing.T) {
	board, log := bigJourney(t)
	a := blueprint.Analyze(board, log, time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC))
	if a.Readiness.Critical.Identified != 10 || len(a.Readiness.History) == 0 || len(a.Handoffs.Handoffs) == 0 ||
		len(a.Breaks.Breaks) == 0 || !a.Time.Known || !a.Funnel.Known || len(a.Heat.Cells) == 0 || a.Evidence.Cards != 300 {
		t.Errorf("analysis of the big board: readiness %+v, %d handoffs, %d breaks, time %v, funnel %v, %d hot cells",
			a.Readiness.Critical, len(a.Handoffs.Handoffs), len(a.Breaks.Breaks), a.Time.Known, a.Funnel.Known, len(a.Heat.Cells))
	}
}
