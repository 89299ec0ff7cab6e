package blueprint

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the board as a Markdown report, in English: its stages, then the
// cards of each lane stage by stage, its links, the count of its comments and markers on
// each card, then the summary of the analysis a (Analyze of the board). Every text a person
// wrote is escaped (MarkdownText), so that it reads as the text it is and never as
// markup, a link or HTML.
func WriteMarkdown(w io.Writer, b *Board, a *Analysis) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	md := MarkdownText

	p("# %s\n\n", md(b.Title))
	stages, lanes, cells := b.SortedStages(), b.SortedLanes(), b.CellCards()
	p("%d stages, %d lanes, %d cards, %d links, %d teams.\n\n", len(stages), len(lanes), len(b.Cards), len(b.Links), len(b.Teams))

	p("## Stages\n\n")
	for i, s := range stages {
		p("%d. %s\n", i+1, md(s.Name))
	}
	if len(stages) == 0 {
		p("(none)\n")
	}
	p("\n")

	if len(b.Teams) > 0 {
		p("## Teams\n\n")
		for _, t := range b.SortedTeams() {
			p("- %s (%s)\n", md(t.Name), md(t.Color))
		}
		p("\n")
	}

	comments, markers := map[string]int{}, map[string]int{}
	for _, c := range b.Annotations.Comments {
		if c.Anchor.Card != "" && !c.Deleted {
			comments[c.Anchor.Card]++
		}
	}
	for _, m := range b.Annotations.Markers {
		if m.Anchor.Card != "" && !m.Resolved {
			markers[m.Anchor.Card]++
		}
	}
	teamName := func(id string) string {
		if t := b.Teams[id]; t != nil {
			return t.Name
		}
		return ""
	}
	p("## Cards\n\n")
	for _, l := range lanes {
		p("### %s (%s)\n\n", md(laneName(l)), md(string(l.Role)))
		none := true
		for _, s := range stages {
			for _, c := range cells[[2]string{s.ID, l.ID}] {
				none = false
				var facts []string
				facts = append(facts, md(s.Name), md(c.Kind))
				if t := teamName(c.Team); t != "" {
					facts = append(facts, "team "+md(t))
				}
				if c.ActiveMinutes > 0 {
					facts = append(facts, "active "+minutesRange(c.ActiveMinutes, c.ActiveMax))
				}
				if c.WaitMinutes > 0 {
					facts = append(facts, "wait "+minutesRange(c.WaitMinutes, c.WaitMax))
				}
				if c.Emotion != 0 {
					facts = append(facts, fmt.Sprintf("emotion %+d", c.Emotion))
				}
				if c.Evidence != "" {
					facts = append(facts, md(c.Evidence))
				}
				if c.Milestone != "" {
					facts = append(facts, md(c.Milestone))
				}
				if c.Manual {
					facts = append(facts, "manual")
				}
				if n := comments[c.ID]; n > 0 {
					facts = append(facts, fmt.Sprintf("%d comments", n))
				}
				if n := markers[c.ID]; n > 0 {
					facts = append(facts, fmt.Sprintf("%d open markers", n))
				}
				p("- %s — %s\n", md(c.Text), strings.Join(facts, ", "))
				if c.Detail != "" {
					p("  %s\n", md(c.Detail))
				}
			}
		}
		if none {
			p("(no card)\n")
		}
		p("\n")
	}

	p("## Links\n\n")
	cardText := func(id string) string {
		if c := b.Cards[id]; c != nil {
			return md(truncate(c.Text, RefTextLen))
		}
		return md(id)
	}
	for _, k := range b.SortedLinks() {
		arrow := "→"
		if k.Kind == LinkDependency {
			arrow = "↔"
		}
		extra := ""
		if k.Critical {
			extra += ", critical"
		}
		if t := teamName(k.Owner); t != "" {
			extra += ", owned by " + md(t)
		}
		p("- %s %s %s (%s, %s%s)\n", cardText(k.From), arrow, cardText(k.To), k.Kind, k.Status, extra)
	}
	if len(b.Links) == 0 {
		p("(none)\n")
	}
	p("\n%d comments, %d markers on the board.\n\n", len(b.Annotations.Comments), len(b.Annotations.Markers))

	if a != nil {
		writeAnalysisMarkdown(p, a)
	}
	return bw.Flush()
}

func writeAnalysisMarkdown(p func(string, ...any), a *Analysis) {
	md := MarkdownText
	p("## Analysis (%s)\n\n", a.Today)
	r := a.Readiness
	p("- Readiness: **%s**", r.Level)
	if r.LaunchDate != "" {
		p(", launch %s", r.LaunchDate)
	}
	p("; critical links: %d identified, %d cleared, %d accepted.\n", r.Critical.Identified, r.Critical.Cleared, r.Critical.Accepted)
	for _, s := range r.Stages {
		p("  - %s: %s (%d blockers)\n", md(s.Stage.Name), s.Level, s.Blockers)
	}
	for _, bl := range r.Blockers {
		p("  - Blocker (%s, %s): %s %s\n", bl.Level, bl.Reason, md(bl.From.Name), md(bl.To.Name))
	}
	h := a.Handoffs
	p("- Handoffs: %d, %d gaps, %d acknowledged by both teams, %d by one.\n", len(h.Handoffs), h.Gaps, h.Acknowledged, h.Partly)
	br := a.Breaks
	p("- Breaks: %d; %d of %d stages unbroken.\n", len(br.Breaks), br.Unbroken, br.Stages)
	t := a.Time
	if t.Known {
		p("- Time to first value: %s elapsed (active %s, wait %s) over %d steps, %d untimed.\n",
			minutesRange(t.Elapsed.Min, t.Elapsed.Max), minutesRange(t.Active.Min, t.Active.Max), minutesRange(t.Wait.Min, t.Wait.Max), t.Steps, t.Untimed)
	} else {
		p("- Time to first value: unknown (missing %s).\n", strings.Join(t.Missing, ", "))
	}
	f := a.Funnel
	if f.Known {
		p("- Funnel: %d entered, %d completed (%.0f %%), %d lost.\n", f.Entered, f.Completed, 100*f.Conversion, f.Lost)
	} else {
		p("- Funnel: not measured.\n")
	}
	e := a.Evidence
	p("- Evidence: %d cards, %d observed, %d assumed, %d to verify, %d unstated.\n", e.Cards, e.Observed, e.Assumed, e.ToVerify, e.Unstated)
	fr := a.Framing
	if fr.Problem != "" {
		p("- Problem: %s\n", md(fr.Problem))
	}
	if !fr.Complete {
		p("- Framing incomplete: missing %s.\n", strings.Join(fr.Missing, ", "))
	}
}

// laneName is a lane's label, or its role when it has none.
func laneName(l *Lane) string {
	if l.Label != "" {
		return l.Label
	}
	return string(l.Role)
}

// minutesRange writes minutes, or a range of them, in the largest whole unit.
func minutesRange(lo, hi int) string {
	if hi > lo {
		return minutesText(lo) + "–" + minutesText(hi)
	}
	return minutesText(lo)
}

func minutesText(m int) string {
	switch {
	case m >= 1440 && m%1440 == 0:
		return fmt.Sprintf("%d d", m/1440)
	case m >= 60 && m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d min", m)
}

// markdownSpecial are the characters that may start or end markup in CommonMark and GFM.
const markdownSpecial = "\\`*_{}[]()<>#+-.!|~&=:\""

// MarkdownText escapes s for Markdown: every ASCII punctuation character that markup is
// made of gets a backslash (CommonMark lets any ASCII punctuation be escaped), and line
// breaks become spaces, so that a text stays on its own line of the report.
func MarkdownText(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			sb.WriteByte(' ')
		case r < 0x80 && strings.ContainsRune(markdownSpecial, r):
			sb.WriteByte('\\')
			sb.WriteRune(r)
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
