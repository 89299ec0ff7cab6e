package web

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"lastmile/internal/blueprint"
)

// Orders of the portfolio's rows (?sort=).
const (
	SortReadiness = "readiness" // red first, then amber, then green; more blockers first
	SortTitle     = "title"
	SortBlockers  = "blockers" // most open blockers first
	SortBreaks    = "breaks"   // the lowest share of stages without a break first
	SortTime      = "time"     // the longest time to first value first; unknown last
	SortGaps      = "gaps"     // most handoff gaps first
	SortDeadline  = "deadline" // the nearest deadline first; none last
)

// PortfolioSorts lists the orders the portfolio takes.
var PortfolioSorts = []string{SortReadiness, SortTitle, SortBlockers, SortBreaks, SortTime, SortGaps, SortDeadline}

// PortfolioView is every board a person sees with the figures of its analysis, sorted by
// Sort and kept to the boards where a team named Team works when Team is set.
type PortfolioView struct {
	Rows  []PortfolioRow
	Sort  string
	Team  string
	Teams []string // the names of every team of every board seen, for the filter
	Total int      // boards seen before the filter
}

// PortfolioRow is one board of the portfolio.
type PortfolioRow struct {
	ID, Title string
	Role      string
	A         *blueprint.Analysis
	Blockers  []TeamCount // open blockers by the team holding them
	teams     []string
}

// TeamCount is how many blockers a team holds; Team is "" for those no team holds.
type TeamCount struct {
	Team string
	N    int
}

// Add adds board b, its analysis a and the reader's role on it.
func (v *PortfolioView) Add(b *blueprint.Board, a *blueprint.Analysis, role string) {
	row := PortfolioRow{ID: b.ID, Title: b.Title, Role: role, A: a}
	by := map[string]int{}
	for _, x := range a.Readiness.Blockers {
		by[x.Team.Name]++
	}
	for team, n := range by {
		row.Blockers = append(row.Blockers, TeamCount{Team: team, N: n})
	}
	slices.SortFunc(row.Blockers, func(p, q TeamCount) int {
		return cmp.Or(cmp.Compare(q.N, p.N), cmp.Compare(b2i(p.Team == ""), b2i(q.Team == "")) /* no team last */, strings.Compare(p.Team, q.Team))
	})
	for _, t := range b.SortedTeams() {
		row.teams = append(row.teams, t.Name)
	}
	v.Rows = append(v.Rows, row)
}

// Finish filters and sorts the rows and lists the teams.
func (v *PortfolioView) Finish() {
	v.Total = len(v.Rows)
	seen := map[string]string{}
	for _, r := range v.Rows {
		for _, t := range r.teams {
			if k := strings.ToLower(t); seen[k] == "" {
				seen[k] = t
			}
		}
	}
	for _, t := range seen {
		v.Teams = append(v.Teams, t)
	}
	slices.SortFunc(v.Teams, foldCompare)
	if v.Team != "" {
		v.Rows = slices.DeleteFunc(v.Rows, func(r PortfolioRow) bool {
			return !slices.ContainsFunc(r.teams, func(t string) bool { return strings.EqualFold(t, v.Team) })
		})
	}
	rank := map[blueprint.RAG]int{blueprint.Red: 0, blueprint.Amber: 1, blueprint.Green: 2}
	title := func(p, q PortfolioRow) int { return foldCompare(p.Title, q.Title) }
	by := map[string]func(p, q PortfolioRow) int{
		SortReadiness: func(p, q PortfolioRow) int {
			return cmp.Or(cmp.Compare(rank[p.A.Readiness.Level], rank[q.A.Readiness.Level]),
				cmp.Compare(len(q.A.Readiness.Blockers), len(p.A.Readiness.Blockers)))
		},
		SortTitle: func(p, q PortfolioRow) int { return 0 },
		SortBlockers: func(p, q PortfolioRow) int {
			return cmp.Compare(len(q.A.Readiness.Blockers), len(p.A.Readiness.Blockers))
		},
		SortBreaks: func(p, q PortfolioRow) int { return cmp.Compare(p.A.Breaks.Rate, q.A.Breaks.Rate) },
		SortTime: func(p, q PortfolioRow) int {
			return cmp.Or(cmp.Compare(b2i(!p.A.Time.Known), b2i(!q.A.Time.Known)), cmp.Compare(q.A.Time.Elapsed.Max, p.A.Time.Elapsed.Max))
		},
		SortGaps: func(p, q PortfolioRow) int { return cmp.Compare(q.A.Handoffs.Gaps, p.A.Handoffs.Gaps) },
		SortDeadline: func(p, q PortfolioRow) int {
			pd, qd := p.A.Framing.Deadline, q.A.Framing.Deadline
			return cmp.Or(cmp.Compare(b2i(pd == ""), b2i(qd == "")), strings.Compare(pd, qd))
		},
	}
	order := by[v.Sort]
	if order == nil {
		order = by[SortReadiness]
	}
	slices.SortStableFunc(v.Rows, func(p, q PortfolioRow) int { return cmp.Or(order(p, q), title(p, q)) })
}

// sortURL is the portfolio's address sorted by sort, keeping the team filter.
func (v *PortfolioView) sortURL(sort string) string {
	q := "?sort=" + sort
	if v.Team != "" {
		q += "&team=" + urlQuery(v.Team)
	}
	return "/portfolio" + q
}

// ariaSort is the aria-sort of a column's header.
func (v *PortfolioView) ariaSort(sort string) string {
	if v.Sort != sort {
		return "none"
	}
	if sort == SortTitle || sort == SortDeadline || sort == SortBreaks {
		return "ascending"
	}
	return "descending"
}

// foldCompare orders names without regard to case.
func foldCompare(a, b string) int {
	return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}

func urlQuery(s string) string { return url.QueryEscape(s) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
