package blueprint_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"lastmile/internal/blueprint"
)

// journey builds boards for the analysis tests: stages s1… and lanes named by role,
// with helpers that apply one op each and fail the test on a refusal.
type journey struct {
	t *testing.T
	b *blueprint.Board
	n int // cards made, for their order keys
}

// Lane ids of a journey: its lanes' roles.
const (
	evidenceLane = "physical_evidence"
	customer     = "customer_actions"
	front        = "frontstage"
	back         = "backstage"
	support      = "support"
)

func newJourney(t *testing.T, stages ...string) *journey {
	t.Helper()
	j := &journey{t: t, b: blueprint.NewBoard("b1", "Journey", blueprint.TemplateBlank)}
	keys, err := blueprint.KeysBetween("", "", len(stages))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range stages {
		mustApply(t, j.b, op("create", "stage", fmt.Sprintf("s%d", i+1), blueprint.Fields{Name: str(name), Order: str(keys[i])}))
	}
	for i, role := range []string{evidenceLane, customer, front, back, support} {
		mustApply(t, j.b, op("create", "lane", role, blueprint.Fields{Role: str(role), Label: str(role), Order: str(string(rune('a' + i)))}))
	}
	return j
}

func op(action, typ, id string, f blueprint.Fields) blueprint.Op {
	return blueprint.Op{Action: action, Type: typ, ID: id, Fields: f}
}

func (j *journey) team(id, name string) *journey {
	mustApply(j.t, j.b, op("create", "team", id, blueprint.Fields{Name: str(name)}))
	return j
}

// card makes a card in a stage (s1…) and lane (a role), owned by team ("" for none),
// with more fields set by f.
func (j *journey) card(id, stage, lane, team, text string, f ...blueprint.Fields) {
	j.t.Helper()
	j.n++
	fields := blueprint.Fields{Stage: str(stage), Lane: str(lane), Order: str(fmt.Sprintf("V%03dV", j.n)), Text: str(text)}
	if team != "" {
		fields.Team = str(team)
	}
	if len(f) > 0 {
		x := f[0]
		fields.ActiveMinutes, fields.ActiveMax, fields.WaitMinutes, fields.WaitMax = x.ActiveMinutes, x.ActiveMax, x.WaitMinutes, x.WaitMax
		fields.Evidence, fields.Manual, fields.Milestone = x.Evidence, x.Manual, x.Milestone
	}
	mustApply(j.t, j.b, op("create", "card", id, fields))
}

func (j *journey) link(id, from, to string, f blueprint.Fields) {
	j.t.Helper()
	f.From, f.To = str(from), str(to)
	mustApply(j.t, j.b, op("create", "link", id, f))
}

func (j *journey) update(typ, id string, f blueprint.Fields) {
	j.t.Helper()
	mustApply(j.t, j.b, op("update", typ, id, f))
}

// marker puts a friction marker on a card, made by Ana at the given time.
func (j *journey) marker(id, cardID, severity string, at time.Time) {
	j.t.Helper()
	o := blueprint.Origin{Seq: 1, By: "u:ana", Name: "Ana", At: at.UnixMilli()}
	m := op("create", "marker", id, blueprint.Fields{Anchor: &blueprint.Anchor{Card: cardID}, Severity: str(severity),
		Kind: str("waiting"), Text: str("stuck " + id)})
	if err := j.b.ApplyAs(m, o); err != nil {
		j.t.Fatalf("marker %s: %v", id, err)
	}
}

func (j *journey) plusOne(markerID, by string) {
	j.t.Helper()
	if err := j.b.ApplyAs(op("create", "plusone", markerID, blueprint.Fields{}), blueprint.Origin{By: by, Name: by}); err != nil {
		j.t.Fatalf("+1 on %s: %v", markerID, err)
	}
}

var day = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func (j *journey) analyze() *blueprint.Analysis { return blueprint.Analyze(j.b, nil, day) }

func refNames(refs []blueprint.Ref) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return out
}

func breakKinds(bs []blueprint.Break) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Kind+"@"+b.Stage.ID)
	}
	return out
}

// Seed 000: a public portal that worked, but the journey still ended with a paper
// validation: the last stage breaks, and that break comes first.
func TestAnalyzeBreaks_PaperValidationInTheLastStage(t *testing.T) {
	j := newJourney(t, "Find the service", "Apply online", "Processing", "Validation")
	j.team("it", "Digital").team("office", "Back office")
	for i, s := range []string{"s1", "s2", "s3", "s4"} {
		j.card("ca"+s, s, customer, "", "customer "+s)
		j.card("fr"+s, s, front, "it", "portal "+s)
		j.card("bk"+s, s, back, "office", "office "+s)
		_ = i
	}
	j.card("paper", "s4", customer, "", "Print, sign and post the form", blueprint.Fields{Manual: flg(true)})
	j.card("early", "s1", customer, "", "Phone for an appointment", blueprint.Fields{Manual: flg(true)})

	r := j.analyze().Breaks
	if len(r.Breaks) != 1 {
		t.Fatalf("breaks = %v, want the paper step alone (a manual step early is no break)", breakKinds(r.Breaks))
	}
	b := r.Breaks[0]
	if b.Kind != blueprint.BreakManual || b.Stage.Name != "Validation" || b.Position != 4 || b.Weight != 1 || b.Card.ID != "paper" {
		t.Errorf("break = %+v, want the paper validation in the last stage, weighing 1", b)
	}
	if r.Stages != 4 || r.Unbroken != 3 || r.Rate != 0.75 {
		t.Errorf("rate = %d of %d, %v; want 3 of 4, 0.75", r.Unbroken, r.Stages, r.Rate)
	}
	if got := r.PerStage[3].Breaks; got != 1 {
		t.Errorf("breaks in the last stage = %d, want 1", got)
	}
}

func TestAnalyzeBreaks(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(j *journey)
		want  []string // kind@stage, ranked
	}{
		{"a customer-visible step with no owned support behind it is an unsupported promise", func(j *journey) {
			j.card("ca1", "s1", customer, "", "Order")
			j.card("promise", "s1", front, "shop", "Delivered in 24 h")
			j.card("ca2", "s2", customer, "", "Receive")
			j.card("fr2", "s2", front, "shop", "Hand over")
			j.card("bk2", "s2", back, "logistics", "Ship")
		}, []string{"unsupported_promise@s1"}},
		{"support linked from another stage keeps the promise", func(j *journey) {
			j.card("ca1", "s1", customer, "", "Order")
			j.card("promise", "s1", front, "shop", "Delivered in 24 h")
			j.card("ca2", "s2", customer, "", "Receive")
			j.card("bk2", "s2", back, "logistics", "Ship")
			j.link("k", "promise", "bk2", blueprint.Fields{})
		}, nil},
		{"support nobody owns keeps no promise", func(j *journey) {
			j.card("ca1", "s1", customer, "", "Order")
			j.card("promise", "s1", evidenceLane, "", "Confirmation e-mail")
			j.card("bk1", "s1", back, "", "Someone ships")
			j.card("ca2", "s2", customer, "", "Receive")
			j.card("bk2", "s2", back, "logistics", "Ship")
		}, []string{"unsupported_promise@s1", "no_owner@s1", "unowned_card@s1"}},
		{"a stage without customer action, a stage without owner, late first", func(j *journey) {
			j.card("fr1", "s1", front, "shop", "Advertise")
			j.card("bk1", "s1", back, "logistics", "Stock")
			j.card("ca2", "s2", customer, "", "Receive")
		}, []string{"no_owner@s2", "no_customer_action@s1"}},
		{"a blocking marker breaks its stage, first among its breaks", func(j *journey) {
			j.card("ca1", "s1", customer, "", "Order")
			j.card("ca2", "s2", customer, "", "Receive")
			j.card("fr2", "s2", front, "", "Hand over")
			j.card("bk2", "s2", back, "logistics", "Ship")
			j.marker("m1", "ca2", "blocking", day)
			j.marker("m2", "ca1", "high", day)
		}, []string{"blocking_marker@s2", "unowned_card@s2", "no_owner@s1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := newJourney(t, "Buy", "Get")
			j.team("shop", "Shop").team("logistics", "Logistics")
			c.build(j)
			if got := breakKinds(j.analyze().Breaks.Breaks); !slices.Equal(got, c.want) {
				t.Errorf("breaks = %v, want %v", got, c.want)
			}
		})
	}
}

// Seed 003: six stages of a sales cycle, two of which hold 90 % of the stalled leads:
// both are the leak, with the teams that own them.
func TestAnalyzeFunnel_TwoStagesHoldNinetyPercent(t *testing.T) {
	j := newJourney(t, "Interest", "Discovery", "Evaluation", "Quote", "Decision", "Signature")
	j.team("mkt", "Marketing").team("sales", "Sales").team("cs", "Customer success").team("legal", "Legal")
	volumes := [][2]int{{1000, 980}, {980, 960}, {960, 510}, {510, 485}, {485, 125}, {125, 100}}
	for i, v := range volumes {
		j.update("stage", fmt.Sprintf("s%d", i+1), blueprint.Fields{Entered: num(v[0]), Completed: num(v[1])})
	}
	j.card("e1", "s3", back, "sales", "Demo prepared", blueprint.Fields{Evidence: str("observed")})
	j.card("e2", "s3", support, "sales", "Pricing sheet", blueprint.Fields{Evidence: str("assumed")})
	j.card("e3", "s3", support, "mkt", "Case studies")
	j.card("d1", "s5", support, "legal", "Contract review")
	j.card("d2", "s5", front, "cs", "Kick-off promised")
	j.card("x1", "s1", back, "mkt", "Campaign")

	f := j.analyze().Funnel
	if !f.Known || f.Entered != 1000 || f.Completed != 100 || f.Conversion != 0.1 || f.Lost != 900 {
		t.Fatalf("funnel = %+v", f)
	}
	if got := refNames(f.Leak); !slices.Equal(got, []string{"Evaluation", "Decision"}) {
		t.Fatalf("leak = %v, want Evaluation and Decision", got)
	}
	if f.LeakShare < 0.899 || f.LeakShare > 0.901 {
		t.Errorf("leak share = %v, want 0.9", f.LeakShare)
	}
	if got := refNames(f.Stages[2].Owners); !slices.Equal(got, []string{"Sales", "Marketing"}) {
		t.Errorf("owners of Evaluation = %v, want Sales (2 cards) then Marketing", got)
	}
	if got := refNames(f.Stages[4].Owners); !slices.Equal(got, []string{"Legal"}) {
		t.Errorf("owners of Decision = %v, want Legal (behind the line; the frontstage does not own it)", got)
	}
	if f.Worst.Name != "Decision" || f.Stages[4].Conversion < 0.257 || f.Stages[4].Conversion > 0.258 {
		t.Errorf("worst rate = %v (%v), want Decision at 125/485", f.Worst, f.Stages[4].Conversion)
	}
	if f.Evidence.Cards != 4 || f.Evidence.Observed != 1 || f.Evidence.Unsure != 0.75 {
		t.Errorf("evidence of the leak's owners = %+v", f.Evidence)
	}
}

func TestAnalyzeFunnel(t *testing.T) {
	for _, c := range []struct {
		name    string
		volumes [][2]int // per stage; {0, 0} is not measured
		leak    []string
		lost    []int // per stage, lost + lost after
	}{
		{"one stage loses most", [][2]int{{100, 90}, {90, 20}, {20, 18}}, []string{"s2"}, []int{10, 70, 2}},
		{"two equal losses are both the leak", [][2]int{{100, 55}, {55, 10}, {10, 10}}, []string{"s1", "s2"}, []int{45, 45, 0}},
		{"people lost between stages count to the stage they left", [][2]int{{100, 100}, {40, 40}, {40, 30}}, []string{"s1"}, []int{60, 0, 10}},
		{"an unmeasured stage is skipped", [][2]int{{100, 50}, {0, 0}, {50, 45}}, []string{"s1"}, []int{50, 0, 5}},
		{"nobody lost: no leak", [][2]int{{10, 10}, {10, 10}, {10, 10}}, nil, []int{0, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := newJourney(t, "One", "Two", "Three")
			for i, v := range c.volumes {
				if v[0] > 0 {
					j.update("stage", fmt.Sprintf("s%d", i+1), blueprint.Fields{Entered: num(v[0]), Completed: num(v[1])})
				}
			}
			f := j.analyze().Funnel
			var leak []string
			for _, r := range f.Leak {
				leak = append(leak, r.ID)
			}
			if !slices.Equal(leak, c.leak) {
				t.Errorf("leak = %v, want %v", leak, c.leak)
			}
			for i, s := range f.Stages {
				if s.Lost+s.LostAfter != c.lost[i] {
					t.Errorf("stage %d lost %d + %d, want %d", i+1, s.Lost, s.LostAfter, c.lost[i])
				}
			}
		})
	}
	t.Run("without volumes the funnel is unknown", func(t *testing.T) {
		f := newJourney(t, "One").analyze().Funnel
		if f.Known || len(f.Leak) != 0 || len(f.Stages) != 1 {
			t.Errorf("funnel = %+v", f)
		}
	})
}

// Seed 000: marketing prepared a campaign, customer service never heard of it.
func TestAnalyzeHandoffs_MarketingToCustomerService(t *testing.T) {
	build := func(t *testing.T) *journey {
		j := newJourney(t, "Campaign", "Questions")
		j.team("mkt", "Marketing").team("cs", "Customer service")
		j.card("promo", "s1", front, "mkt", "Promo e-mail sent")
		j.card("answer", "s2", front, "cs", "Answer questions on the promo")
		return j
	}
	for _, c := range []struct {
		name       string
		link       *blueprint.Fields
		gap        bool
		ack, partT int
	}{
		{"no link: a gap naming both teams", nil, true, 0, 0},
		{"an open link: still a gap", &blueprint.Fields{}, true, 0, 0},
		{"acknowledged by one team: still a gap", &blueprint.Fields{AckFrom: &blueprint.Ack{By: "Ana", On: "2026-05-01"}}, true, 0, 1},
		{"acknowledged by both teams: no gap", &blueprint.Fields{AckFrom: &blueprint.Ack{By: "Ana", On: "2026-05-01"},
			AckTo: &blueprint.Ack{By: "Bob", On: "2026-05-02"}}, false, 1, 0},
		{"an agreed link: no gap", &blueprint.Fields{Status: str("agreed")}, false, 0, 0},
		{"a dependency the other way, resolved: no gap", &blueprint.Fields{Status: str("resolved"), Kind: str("dependency")}, false, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := build(t)
			if c.link != nil {
				from, to := "promo", "answer"
				if c.link.Kind != nil {
					from, to = to, from
				}
				j.link("k", from, to, *c.link)
			}
			r := j.analyze().Handoffs
			if len(r.Handoffs) != 1 {
				t.Fatalf("handoffs = %+v, want one", r.Handoffs)
			}
			h := r.Handoffs[0]
			if h.FromTeam.Name != "Marketing" || h.ToTeam.Name != "Customer service" || h.Across != blueprint.AcrossJourney ||
				h.From.ID != "promo" || h.To.ID != "answer" {
				t.Errorf("handoff = %+v", h)
			}
			if h.Gap != c.gap || (r.Gaps == 1) != c.gap || r.Acknowledged != c.ack || r.Partly != c.partT {
				t.Errorf("gap %v (%d gaps, %d acknowledged, %d partly), want %v", h.Gap, r.Gaps, r.Acknowledged, r.Partly, c.gap)
			}
			if c.link != nil && h.Link != "k" {
				t.Errorf("covered by %q, want k", h.Link)
			}
		})
	}
}

func TestAnalyzeHandoffs_AcrossTheLines(t *testing.T) {
	j := newJourney(t, "Order")
	j.team("shop", "Shop").team("wh", "Warehouse").team("it", "IT")
	j.card("f", "s1", front, "shop", "Take the order")
	j.card("f2", "s1", front, "shop", "Confirm")
	j.card("b", "s1", back, "wh", "Pick")
	j.card("s", "s1", support, "it", "Stock system")
	j.card("s2", "s1", support, "wh", "Forklift")
	j.link("k", "b", "f2", blueprint.Fields{Status: str("agreed")}) // between the teams, other cards
	r := j.analyze().Handoffs
	var got []string
	for _, h := range r.Handoffs {
		got = append(got, fmt.Sprintf("%s %s>%s gap=%v", h.Across, h.FromTeam.ID, h.ToTeam.ID, h.Gap))
	}
	// Along the front lane f and f2 are one team's; along the support lane s is IT's, s2 the
	// warehouse's. The agreed link between the shop's and the warehouse's cards covers the
	// line of visibility.
	want := []string{"journey it>wh gap=true", "visibility shop>wh gap=false", "internal_interaction wh>it gap=true"}
	if !slices.Equal(got, want) {
		t.Errorf("handoffs = %v, want %v", got, want)
	}
}

func TestAnalyzeReadiness(t *testing.T) {
	j := newJourney(t, "Sign up", "Onboard", "Use")
	j.team("it", "IT").team("ops", "Operations")
	for _, s := range []string{"s1", "s2", "s3"} {
		j.card("a"+s, s, front, "it", "front "+s, blueprint.Fields{Evidence: str("observed")})
		j.card("b"+s, s, back, "ops", "back "+s)
	}
	j.update("board", "b1", blueprint.Fields{LaunchCandidate: flg(true), LaunchDate: str("2026-05-14")})
	j.link("open", "as1", "bs1", blueprint.Fields{Critical: flg(true), Owner: str("ops"), Holder: str("Chloé")})
	j.link("agreed", "as2", "bs2", blueprint.Fields{Critical: flg(true), Status: str("agreed")})
	j.link("done", "as3", "bs3", blueprint.Fields{Critical: flg(true), Status: str("resolved"), Owner: str("it")})
	j.link("accepted", "bs1", "bs2", blueprint.Fields{Critical: flg(true),
		Risk: &blueprint.Acceptance{By: "Dan", Reason: "manual fallback", On: "2026-05-01"}})
	j.link("unowned", "bs2", "bs3", blueprint.Fields{Critical: flg(true), Status: str("resolved")})
	j.link("minor", "as1", "as2", blueprint.Fields{})

	r := j.analyze().Readiness
	if !r.Candidate || r.DaysToLaunch == nil || *r.DaysToLaunch != 10 {
		t.Errorf("candidate %v, days to launch %v", r.Candidate, r.DaysToLaunch)
	}
	if r.Critical != (blueprint.CriticalCount{Identified: 5, Cleared: 2, Accepted: 1, Share: 0.4}) {
		t.Errorf("critical = %+v", r.Critical)
	}
	var levels []string
	for _, s := range r.Stages {
		levels = append(levels, fmt.Sprintf("%s:%s:%d", s.Stage.Name, s.Level, s.Blockers))
	}
	if want := []string{"Sign up:red:1", "Onboard:amber:2", "Use:amber:1"}; !slices.Equal(levels, want) {
		t.Errorf("stages = %v, want %v", levels, want)
	}
	if r.Level != blueprint.Red {
		t.Errorf("level = %s, want red", r.Level)
	}
	if len(r.Blockers) != 3 || r.Blockers[0].Link != "open" || r.Blockers[0].Holder != "Chloé" || r.Blockers[0].Team.Name != "Operations" ||
		r.Blockers[0].Days != -1 || r.Blockers[1].Reason != blueprint.BlockerAgreed || r.Blockers[2].Reason != blueprint.BlockerNoOwner {
		t.Errorf("blockers = %+v", r.Blockers)
	}
	if r.Evidence.Cards != 6 || r.Evidence.Observed != 2 {
		t.Errorf("evidence = %+v", r.Evidence)
	}

	// Cleared, all but a blocking marker; then that resolved too: green.
	for _, id := range []string{"open", "agreed", "unowned"} {
		j.update("link", id, blueprint.Fields{Status: str("resolved"), Owner: str("it")})
	}
	j.marker("m", "as3", "blocking", day.AddDate(0, 0, -3))
	r = j.analyze().Readiness
	if r.Level != blueprint.Red || len(r.Blockers) != 1 || r.Blockers[0].Reason != blueprint.BlockerBlocking ||
		r.Blockers[0].Holder != "Ana" || r.Blockers[0].Days != 3 || r.Stages[2].Level != blueprint.Red || r.Stages[0].Level != blueprint.Green {
		t.Errorf("with a blocking marker: %s, %+v, %+v", r.Level, r.Blockers, r.Stages)
	}
	if err := j.b.ApplyAs(op("update", "marker", "m", blueprint.Fields{Resolved: flg(true), Resolution: str("fixed")}),
		blueprint.Origin{By: "u:bob", Name: "Bob"}); err != nil {
		t.Fatal(err)
	}
	if r = j.analyze().Readiness; r.Level != blueprint.Green || r.Critical.Share != 1 || len(r.Blockers) != 0 {
		t.Errorf("all cleared: %s, %+v, %+v", r.Level, r.Critical, r.Blockers)
	}
}

// The op log says since when each blocker blocks, and how the count of critical links
// identified and cleared moved, day by day.
func TestAnalyzeReadiness_FromTheLog(t *testing.T) {
	j := newJourney(t, "One", "Two")
	j.team("t", "Team")
	at := func(days int) time.Time { return day.AddDate(0, 0, -days) }
	var log []blueprint.Committed
	logged := func(when time.Time, o blueprint.Op) {
		mustApply(t, j.b, o)
		log = append(log, blueprint.Committed{Seq: int64(len(log) + 1), At: when, Op: o})
	}
	mk := func(id, stage string) blueprint.Op {
		return op("create", "card", id, blueprint.Fields{Stage: str(stage), Lane: str(back), Order: str("V"), Team: str("t")})
	}
	logged(at(10), mk("c1", "s1"))
	logged(at(10), mk("c2", "s2"))
	logged(at(10), mk("c3", "s2"))
	logged(at(9), op("create", "link", "k1", blueprint.Fields{From: str("c1"), To: str("c2"), Critical: flg(true)}))
	logged(at(8), op("create", "link", "k2", blueprint.Fields{From: str("c1"), To: str("c3")}))
	logged(at(7), op("update", "link", "k2", blueprint.Fields{Critical: flg(true)}))
	logged(at(6), op("update", "link", "k1", blueprint.Fields{Status: str("agreed")})) // still blocks: since day 9
	logged(at(5), op("update", "link", "k2", blueprint.Fields{Status: str("resolved"), Owner: str("t")}))
	logged(at(4), op("update", "link", "k2", blueprint.Fields{Status: str("open")})) // blocks again, from day 4
	logged(at(3), op("create", "link", "k3", blueprint.Fields{From: str("c2"), To: str("c3"), Critical: flg(true)}))
	logged(at(2), op("delete", "card", "c3", blueprint.Fields{})) // takes k2 and k3

	j.update("board", "b1", blueprint.Fields{LaunchDate: str(at(4).Format(blueprint.DateLayout))})
	r := blueprint.Analyze(j.b, log, day).Readiness
	if len(r.Blockers) != 1 || r.Blockers[0].Link != "k1" || r.Blockers[0].Days != 9 || r.Blockers[0].Since != at(9).UnixMilli() {
		t.Errorf("blockers = %+v, want k1 held 9 days", r.Blockers)
	}
	var got, want []string
	for _, p := range r.History {
		got = append(got, fmt.Sprintf("%s:%d/%d", p.Day, p.Cleared, p.Identified))
	}
	for _, p := range [][3]int{{9, 0, 1}, {7, 0, 2}, {5, 1, 2}, {4, 0, 2}, {3, 0, 3}, {2, 0, 1}} {
		want = append(want, fmt.Sprintf("%s:%d/%d", at(p[0]).Format(blueprint.DateLayout), p[1], p[2]))
	}
	if !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
	if r.AtLaunch == nil || r.AtLaunch.Identified != 2 || r.AtLaunch.Cleared != 0 {
		t.Errorf("at launch = %+v, want 0 of 2", r.AtLaunch)
	}
}

func TestAnalyzeTimeToValue(t *testing.T) {
	j := newJourney(t, "Before", "Contact", "Wait", "Value", "After")
	j.team("sales", "Sales").team("ops", "Operations")
	j.card("x0", "s1", customer, "", "Hears of it", blueprint.Fields{ActiveMinutes: num(500)})
	j.card("c1", "s2", customer, "", "Calls", blueprint.Fields{ActiveMinutes: num(10), ActiveMax: num(20), Milestone: str("first_contact"),
		Evidence: str("observed")})
	j.card("c2", "s2", front, "sales", "Takes the call", blueprint.Fields{ActiveMinutes: num(10)})
	j.card("c3", "s3", back, "ops", "Checks the file", blueprint.Fields{ActiveMinutes: num(30), WaitMinutes: num(2 * 1440),
		WaitMax: num(5 * 1440)})
	j.card("c4", "s3", back, "ops", "Waits for a signature", blueprint.Fields{WaitMinutes: num(1440)})
	j.link("h", "c2", "c3", blueprint.Fields{})
	j.card("c5", "s4", customer, "", "Uses it", blueprint.Fields{Milestone: str("value_moment")})
	j.card("c6", "s4", front, "", "Untimed")
	j.card("x1", "s5", customer, "", "Renews", blueprint.Fields{ActiveMinutes: num(500), Milestone: str("value_moment")})

	tv := j.analyze().Time
	if !tv.Known || tv.FirstContact.ID != "c1" || tv.ValueMoment.ID != "c5" || tv.FromStage.Name != "Contact" || tv.ToStage.Name != "Value" {
		t.Fatalf("time to value = %+v", tv)
	}
	if tv.Active != (blueprint.Range{Min: 50, Max: 60}) || tv.Wait != (blueprint.Range{Min: 3 * 1440, Max: 6 * 1440}) ||
		tv.Elapsed != (blueprint.Range{Min: 50 + 3*1440, Max: 60 + 6*1440}) {
		t.Errorf("active %v, wait %v, elapsed %v", tv.Active, tv.Wait, tv.Elapsed)
	}
	low, high := 50.0/(50+6*1440), 60.0/(60+3*1440)
	if tv.Efficiency.Low != low || tv.Efficiency.High != high {
		t.Errorf("efficiency = %+v, want %v–%v", tv.Efficiency, low, high)
	}
	if tv.Steps != 6 || tv.Untimed != 2 {
		t.Errorf("steps %d, untimed %d", tv.Steps, tv.Untimed)
	}
	if b := tv.Biggest; b == nil || b.Card.ID != "c3" || b.Minutes != (blueprint.Range{Min: 2 * 1440, Max: 5 * 1440}) || !b.Handoff ||
		b.FromTeam.Name != "Sales" || b.ToTeam.Name != "Operations" {
		t.Errorf("biggest wait = %+v, want c3's, at the handoff from Sales to Operations", b)
	}
	if tv.Evidence.Cards != 4 || tv.Evidence.Observed != 1 {
		t.Errorf("evidence = %+v", tv.Evidence)
	}

	j.update("card", "c1", blueprint.Fields{Milestone: str("")})
	if tv = j.analyze().Time; tv.Known || !slices.Equal(tv.Missing, []string{"first_contact"}) {
		t.Errorf("without a first contact: %+v", tv)
	}
}

func TestAnalyzeHeat(t *testing.T) {
	j := newJourney(t, "One", "Two")
	j.card("a", "s1", customer, "", "a", blueprint.Fields{Evidence: str("to_verify")})
	j.card("b", "s2", back, "", "b")
	j.card("c", "s2", back, "", "c")
	j.marker("m1", "a", "low", day)
	j.marker("m2", "b", "high", day)
	j.marker("m3", "c", "medium", day)
	j.plusOne("m3", "u:bob")
	j.plusOne("m3", "u:eve")
	j.marker("m4", "a", "blocking", day)
	if err := j.b.ApplyAs(op("update", "marker", "m4", blueprint.Fields{Resolved: flg(true), Resolution: str("done")}),
		blueprint.Origin{By: "u:bob"}); err != nil {
		t.Fatal(err)
	}
	h := j.analyze().Heat
	if h.Max != 10 || len(h.Cells) != 2 {
		t.Fatalf("heat = %+v", h)
	}
	hot, cold := h.Cells[0], h.Cells[1]
	if hot.Stage.ID != "s2" || hot.Lane.ID != back || hot.Score != 4+2*3 || hot.Markers != 2 || hot.PlusOnes != 2 || hot.Level != 4 {
		t.Errorf("hottest = %+v", hot)
	}
	if cold.Stage.ID != "s1" || cold.Score != 1 || cold.Level != 1 || cold.Evidence.ToVerify != 1 || cold.Evidence.Unsure != 1 {
		t.Errorf("coldest = %+v", cold)
	}
}

func TestAnalyzeFraming(t *testing.T) {
	for _, c := range []struct {
		name    string
		f       blueprint.Fields
		missing []string
		checkIn string
		def     bool
		due     bool
	}{
		{"nothing", blueprint.Fields{}, []string{"problem", "daily_users", "minimum_useful", "deadline"}, "", false, false},
		{"one user is not enough", blueprint.Fields{Problem: str("Forms get lost"), DailyUsers: &[]string{"Ana"},
			MinimumUseful: str("One form online"), Deadline: str("2026-06-30")}, []string{"daily_users"}, "", false, false},
		{"complete; check-in 30 days after launch", blueprint.Fields{Problem: str("Forms get lost"), DailyUsers: &[]string{"Ana", "Bob"},
			MinimumUseful: str("One form online"), Deadline: str("2026-06-30"), LaunchDate: str("2026-04-01")}, nil, "2026-05-01", true, true},
		{"a check-in set is kept", blueprint.Fields{LaunchDate: str("2026-04-01"), CheckIn: str("2026-05-04")},
			[]string{"problem", "daily_users", "minimum_useful", "deadline"}, "2026-05-04", false, true},
		{"a check-in to come", blueprint.Fields{LaunchDate: str("2026-05-01")},
			[]string{"problem", "daily_users", "minimum_useful", "deadline"}, "2026-05-31", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := newJourney(t, "One")
			if !reflect.ValueOf(c.f).IsZero() {
				j.update("board", "b1", c.f)
			}
			r := j.analyze().Framing
			if !slices.Equal(r.Missing, append([]string{}, c.missing...)) || r.Complete != (len(c.missing) == 0) {
				t.Errorf("missing = %v, want %v", r.Missing, c.missing)
			}
			if r.CheckIn != c.checkIn || r.CheckInDefault != c.def || r.CheckInDue != c.due {
				t.Errorf("check-in %q (default %v, due %v), want %q (%v, %v)", r.CheckIn, r.CheckInDefault, r.CheckInDue, c.checkIn, c.def, c.due)
			}
		})
	}
}

// The analysis is plain data: it encodes to JSON with every list present, never null, so
// that a page reads it without guarding.
func TestAnalysisJSON(t *testing.T) {
	data, err := json.Marshal(newJourney(t).analyze())
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case nil:
			t.Errorf("%s is null", path)
		case map[string]any:
			for k, y := range x {
				walk(path+"."+k, y)
			}
		case []any:
			for i, y := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), y)
			}
		}
	}
	walk("analysis", v)
}
