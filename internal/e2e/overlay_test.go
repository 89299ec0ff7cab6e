package e2e_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"lastmile/internal/blueprint"
	"lastmile/internal/blueprint/blueprinttest"
)

// overlayView is what the analysis overlay draws of blueprint.Analyze, in the shape of
// analyzeBoard's result (web/static/analysis-overlay.js).
type overlayView struct {
	Level    string                 `json:"level"`
	Critical map[string]int         `json:"critical"`
	Stages   []overlayStage         `json:"stages"`
	Handoffs []overlayHandoff       `json:"handoffs"`
	Gaps     int                    `json:"gaps"`
	Breaks   []overlayBreak         `json:"breaks"`
	PerStage []overlayPerStage      `json:"per_stage"`
	Unbroken int                    `json:"unbroken"`
	Heat     map[string]overlayCell `json:"heat"` // by stage + "/" + lane: Go sorts ties at random
	HeatMax  int                    `json:"heat_max"`
}

type overlayStage struct {
	ID       string `json:"id"`
	Level    string `json:"level"`
	Blockers int    `json:"blockers"`
}

type overlayHandoff struct {
	Across    string `json:"across"`
	From      string `json:"from"`
	To        string `json:"to"`
	FromTeam  string `json:"from_team"`
	ToTeam    string `json:"to_team"`
	FromStage string `json:"from_stage"`
	ToStage   string `json:"to_stage"`
	Link      string `json:"link"`
	Gap       bool   `json:"gap"`
}

type overlayBreak struct {
	Kind     string `json:"kind"`
	Stage    string `json:"stage"`
	Position int    `json:"position"`
	Card     string `json:"card"`
	Lane     string `json:"lane"`
	Marker   string `json:"marker"`
}

type overlayPerStage struct {
	Stage  string `json:"stage"`
	Breaks int    `json:"breaks"`
}

type overlayCell struct {
	Score   int `json:"score"`
	Level   int `json:"level"`
	Markers int `json:"markers"`
}

// overlayOf projects Analyze's result on what the overlay draws.
func overlayOf(a *blueprint.Analysis) overlayView {
	r := a.Readiness
	v := overlayView{Level: string(r.Level), Gaps: a.Handoffs.Gaps, Unbroken: a.Breaks.Unbroken, HeatMax: a.Heat.Max,
		Critical: map[string]int{"identified": r.Critical.Identified, "cleared": r.Critical.Cleared, "accepted": r.Critical.Accepted},
		Stages:   []overlayStage{}, Handoffs: []overlayHandoff{}, Breaks: []overlayBreak{}, PerStage: []overlayPerStage{},
		Heat: map[string]overlayCell{}}
	for _, s := range r.Stages {
		v.Stages = append(v.Stages, overlayStage{s.Stage.ID, string(s.Level), s.Blockers})
	}
	for _, h := range a.Handoffs.Handoffs {
		v.Handoffs = append(v.Handoffs, overlayHandoff{h.Across, h.From.ID, h.To.ID, h.FromTeam.ID, h.ToTeam.ID, h.FromStage.ID,
			h.ToStage.ID, h.Link, h.Gap})
	}
	for _, b := range a.Breaks.Breaks {
		v.Breaks = append(v.Breaks, overlayBreak{b.Kind, b.Stage.ID, b.Position, b.Card.ID, b.Lane.ID, b.Marker})
	}
	for _, p := range a.Breaks.PerStage {
		v.PerStage = append(v.PerStage, overlayPerStage{p.Stage.ID, p.Breaks})
	}
	for _, c := range a.Heat.Cells {
		v.Heat[c.Stage.ID+"/"+c.Lane.ID] = overlayCell{c.Score, c.Level, c.Markers}
	}
	return v
}

// TestAnalysisOverlayMatchesGo compares the analysis the board's overlay computes in the
// browser (analysis-overlay.js analyzeBoard) with blueprint.Analyze, on random boards:
// random ops of every kind, the analysis fields among them, and random comments, markers
// and +1s (blueprinttest), from fixed seeds and one from the clock.
func TestAnalysisOverlayMatchesGo(t *testing.T) {
	n := startNode(t, map[string]http.Handler{"/test/": http.StripPrefix("/test/", http.FileServer(http.Dir("testdata")))})
	seeds := []uint64{1, 2, 3, uint64(time.Now().UnixNano())}
	type boardCase struct {
		Seed   uint64          `json:"seed"`
		Export json.RawMessage `json:"export"`
		Want   overlayView     `json:"want"`
	}
	var cases []boardCase
	for _, seed := range seeds {
		r := rand.New(rand.NewPCG(seed, 13))
		for k := range 40 {
			b := blueprint.NewBoard("b1", "Random", blueprint.TemplateServiceBlueprint)
			seedBoard(b, r)
			for i := range 60 + r.IntN(150) {
				if r.IntN(4) == 0 {
					op, o := blueprinttest.RandomAnnotation(r)
					o.Seq, o.At = int64(i+1), int64(1_700_000_000_000+i*60_000)
					_ = b.ApplyAs(op, o)
				} else {
					_ = b.Apply(blueprinttest.RandomOp(r, "b1"))
				}
			}
			data, err := blueprint.MarshalBoard(b)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, boardCase{Seed: seed*100 + uint64(k), Export: data, Want: overlayOf(blueprint.Analyze(b, nil, time.Now()))})
		}
	}
	data, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	tab := newTab(t)
	watchConsole(t, tab, false)
	run(t, tab, "loading the test page", 20*time.Second,
		chromedp.Navigate(n.url+"/test/overlay.html"),
		discard(chromedp.Poll[bool](`window.overlayTestsReady === true`, chromedp.WithPollingInterval(10*time.Millisecond))))
	got := eval[[]string](t, tab, "window.overlayTests.run("+string(data)+")")
	for _, f := range got {
		t.Error(f)
	}
	var handoffs, gaps, breaks, cells, red int
	for _, c := range cases {
		handoffs, gaps, breaks, cells = handoffs+len(c.Want.Handoffs), gaps+c.Want.Gaps, breaks+len(c.Want.Breaks), cells+len(c.Want.Heat)
		if c.Want.Level == "red" {
			red++
		}
	}
	t.Logf("%d random boards compared (clock seed %d): %d handoffs of which %d gaps, %d breaks, %d hot cells, %d boards red",
		len(cases), seeds[len(seeds)-1], handoffs, gaps, breaks, cells, red)
}

// TestAnalysisOverlay has two people on a board. A shows the analysis overlay: the stage
// where a critical handoff between two teams is open is red, and the gap names both
// teams. B resolves the link, with an owner: A's overlay follows — the stage turns green,
// the gap goes — without reloading. A marks a card's evidence, milestone and manual step
// from its menu by keyboard and accepts a link's risk and acknowledges it with the mouse;
// B sees each; A's undo takes each back.
func TestAnalysisOverlay(t *testing.T) {
	n := startNode(t, nil)
	b := mustBoard(t, n.store)
	front := cardOp("c-call", "stage-2", "lane-3", "V", "Call the lead")
	front.Fields.Team = str("t-mkt")
	back := cardOp("c-file", "stage-2", "lane-4", "V", "Open the customer file")
	back.Fields.Team = str("t-care")
	yes := true
	postOps(t, n, b.ID,
		teamOp("t-mkt", "Marketing", "#2563eb"), teamOp("t-care", "Customer service", "#059669"), front, back,
		blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLink, ID: "k-lead",
			Fields: blueprint.Fields{From: str("c-call"), To: str("c-file"), Critical: &yes}})
	url := n.url + "/boards/" + b.ID + "?lang=en"
	tabA, tabB := newTab(t), newTab(t)
	watchConsole(t, tabA, false)
	watchConsole(t, tabB, false)
	openEditable(t, tabA, url)
	openEditable(t, tabB, url)

	stage2 := `document.querySelector('th.stage[data-stage-id="stage-2"] .overlay-badge')`
	waitFor(t, tabA, "the overlay's button", `document.querySelector('[data-testid="overlay-toggle"]:not([hidden])') !== null`)
	focusEl(t, tabA, cardSel("c-call"))
	keys(t, tabA, "A: show the overlay", "a")
	waitFor(t, tabA, "the overlay shown", `!document.querySelector('[data-testid="analysis-overlay"]').hidden
		&& document.querySelector('[data-testid="overlay-toggle"]').getAttribute('aria-pressed') === 'true'`)
	waitFor(t, tabA, "stage 2 red", stage2+`?.classList.contains('ov-red') && `+stage2+`.textContent.includes('red, blocked')`)
	gaps := eval[string](t, tabA, `document.querySelector('[data-testid="overlay-gaps"]').textContent`)
	want := "Marketing → Customer service: “Call the lead” → “Open the customer file”"
	if !strings.Contains(gaps, want) {
		t.Errorf("the overlay's gaps say %q, want %q", gaps, want)
	}
	if !eval[bool](t, tabA, `['c-call', 'c-file'].every((id) => document.querySelector('.card[data-card-id="' + id + '"] > .overlay-badge.ov-gap')?.textContent.includes('Marketing → Customer service'))`) {
		t.Errorf("the two cards of the gap are not marked with both teams")
	}

	// B resolves the critical link, with its owner: A's stage 2 turns green, the gap goes.
	start := time.Now()
	eval[chromedp.Void](t, tabB, `window.lastmileResolve = (async () => {
		const { page } = await import('/static/board.js');
		page.editor.apply({ op: 'update', type: 'link', id: 'k-lead', fields: { status: 'resolved', owner: 't-care' } });
	})()`)
	waitFor(t, tabA, "stage 2 green", stage2+`?.classList.contains('ov-green') === true`)
	t.Logf("A's overlay turned green %v after B resolved the link", time.Since(start).Round(time.Millisecond))
	waitFor(t, tabA, "the gap gone", `document.querySelector('[data-testid="overlay-gaps"]').textContent.includes('No handoff gap')
		&& !document.querySelector('.overlay-badge.ov-gap')`)

	// A sets the card's evidence, milestone and manual step from its menu, by keyboard.
	focusEl(t, tabA, cardSel("c-call"))
	keys(t, tabA, "t: the menu", "t")
	waitFor(t, tabA, "the menu", `document.activeElement?.dataset.testid === 'card-team-list'`)
	keys(t, tabA, "→ kind", kb.ArrowRight)
	keys(t, tabA, "→ evidence", kb.ArrowRight)
	waitFor(t, tabA, "the evidence list", `document.activeElement?.dataset.testid === 'card-evidence-list'`)
	keys(t, tabA, "↓↓ assumed", kb.ArrowDown)
	keys(t, tabA, "↓", kb.ArrowDown)
	keys(t, tabA, "Enter", kb.Enter)
	waitFor(t, tabB, "B to see the card assumed", `document.querySelector('.card[data-card-id="c-call"] .card-evidence[data-evidence="assumed"]')?.textContent === 'Assumed'`)
	focusEl(t, tabA, cardSel("c-call"))
	keys(t, tabA, "t: the menu", "t")
	waitFor(t, tabA, "the menu", `document.activeElement?.dataset.testid === 'card-team-list'`)
	keys(t, tabA, "← milestone", kb.ArrowLeft)
	waitFor(t, tabA, "the milestone list", `document.activeElement?.dataset.testid === 'card-milestone-list'`)
	keys(t, tabA, "↓ first contact", kb.ArrowDown)
	keys(t, tabA, "Space", " ")
	waitFor(t, tabB, "B to see the first contact", `document.querySelector('.card[data-card-id="c-call"] .card-milestone[data-milestone="first_contact"]') !== null`)
	focusEl(t, tabA, cardSel("c-file"))
	keys(t, tabA, "k: the menu", "k")
	waitFor(t, tabA, "the menu", `document.activeElement?.dataset.testid === 'card-kind-list'`)
	run(t, tabA, "clicking the manual step", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="card-manual"]`)))
	waitFor(t, tabB, "B to see the manual step", `document.querySelector('.card[data-card-id="c-file"] .card-manual') !== null`)
	keys(t, tabA, "Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, tabB, "B to see the manual step undone", `document.querySelector('.card[data-card-id="c-file"] .card-manual') === null`)
	keys(t, tabA, "Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, tabB, "B to see the milestone undone", `document.querySelector('.card[data-card-id="c-call"] .card-milestone') === null`)

	// A accepts a risk on the link and acknowledges it from one side, with the mouse; an
	// acceptance without a reason is refused in the dialog.
	rowSel := `tr[data-link-id="k-lead"]`
	run(t, tabA, "clicking the link's row", waitLive, chromedp.Click(chromedp.CSS(rowSel+" td")))
	waitFor(t, tabA, "the dialog", `document.querySelector('[data-testid="link-dialog"]').open`)
	eval[chromedp.Void](t, tabA, `(() => { const f = document.querySelector('[data-testid="link-risk-by"]'); f.value = 'Ana Lima'; f.dispatchEvent(new Event('input', { bubbles: true })); })()`)
	run(t, tabA, "accepting without a reason", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="link-risk-accept"]`)))
	waitFor(t, tabA, "the refusal", `document.querySelector('[data-testid="link-error"]').textContent.includes('why')
		&& document.activeElement?.dataset.testid === 'link-risk-reason'`)
	run(t, tabA, "typing the reason", waitLive, chromedp.SendKeys(chromedp.CSS(`[data-testid="link-risk-reason"]`), "Signed contract covers it"),
		chromedp.Click(chromedp.CSS(`[data-testid="link-risk-accept"]`)))
	waitFor(t, tabB, "B's row to say the risk", `document.querySelector('`+rowSel+`').textContent.includes('risk accepted by Ana Lima')`)
	eval[chromedp.Void](t, tabA, `(() => { const f = document.querySelector('[data-testid="link-ack-to-by"]'); f.value = 'Bo Chen'; f.dispatchEvent(new Event('input', { bubbles: true })); })()`)
	run(t, tabA, "acknowledging", waitLive, chromedp.Click(chromedp.CSS(`[data-testid="link-ack-to-record"]`)))
	waitFor(t, tabB, "B's row to say the acknowledgement", `document.querySelector('`+rowSel+`').textContent.includes('acknowledged by the to side: Bo Chen')`)
	keys(t, tabA, "Escape", kb.Escape)
	keys(t, tabA, "Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, tabB, "B to see the acknowledgement undone", `!document.querySelector('`+rowSel+`').textContent.includes('acknowledged')`)
	keys(t, tabA, "Ctrl+Z", "z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, tabB, "B to see the risk undone", `!document.querySelector('`+rowSel+`').textContent.includes('risk accepted')`)

	// Hidden again, the overlay leaves nothing on the board.
	keys(t, tabA, "a: hide", "a")
	waitFor(t, tabA, "no badge left", `document.querySelectorAll('.overlay-badge, .overlay-marked').length === 0`)
}

// seedBoard fills b, on the id space of blueprinttest.RandomOp, with what the analysis
// reads, before the random ops change it: four stages, the four lanes of a blueprint in a
// random order, four teams, and every card in a random cell with, most often, a team.
func seedBoard(b *blueprint.Board, r *rand.Rand) {
	roles := []blueprint.LaneRole{blueprint.RoleCustomerActions, blueprint.RoleFrontstage, blueprint.RoleBackstage, blueprint.RoleSupport}
	if r.IntN(3) == 0 {
		roles[r.IntN(4)] = blueprint.RolePhysicalEvidence
	}
	ops := []blueprint.Op{}
	for i := range 4 {
		id := string(rune('0' + i))
		ops = append(ops,
			blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeStage, ID: "s" + id, Fields: blueprint.Fields{Name: str("S" + id), Order: str(string(rune('A' + r.IntN(20))))}},
			blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeLane, ID: "l" + id, Fields: blueprint.Fields{Role: str(string(roles[i])), Label: str("L" + id), Order: str(string(rune('A' + i)))}},
			teamOp("t"+id, "Team "+id, "#123456"))
	}
	for i := range 6 {
		c := cardOp(string(rune('c'))+string(rune('0'+i)), "s"+string(rune('0'+r.IntN(4))), "l"+string(rune('0'+r.IntN(4))), "V", "Card")
		if r.IntN(5) > 0 {
			c.Fields.Team = str("t" + string(rune('0'+r.IntN(4))))
		}
		ops = append(ops, c)
	}
	for _, op := range ops {
		_ = b.Apply(op)
	}
}
