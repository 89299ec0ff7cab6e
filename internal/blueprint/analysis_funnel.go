package blueprint

import (
	"cmp"
	"slices"
)

// Funnel is the journey's conversion from the volumes typed or imported per stage: for
// each measured stage (one that someone entered), its conversion and the people it lost,
// and the leak — the few stages holding most of all the people lost, with the teams that
// own their backstage and support. Stages without volumes are listed, not measured.
type Funnel struct {
	Known      bool          `json:"known"`
	Stages     []FunnelStage `json:"stages"` // left to right
	Entered    int           `json:"entered"`
	Completed  int           `json:"completed"`  // of the last measured stage
	Conversion float64       `json:"conversion"` // Completed ÷ Entered
	Lost       int           `json:"lost"`
	Leak       []Ref         `json:"leak"`       // in journey order
	LeakShare  float64       `json:"leak_share"` // of all people lost
	Worst      Ref           `json:"worst_rate,omitzero"`
	Evidence   Evidence      `json:"evidence"` // of the cards that make the leak's owners
}

// FunnelStage is one stage of the funnel. Conversion is Completed ÷ Entered; Lost the
// people who entered and did not complete it; LostAfter those who completed it and did
// not enter the next measured stage (lost at the junction, counted to this stage); Share
// the part of all people lost that this stage holds (Lost + LostAfter); Owners the teams
// of its backstage and support cards, the most cards first (its frontstage's when it has
// none behind the line). A Completed above Entered counts as Entered.
type FunnelStage struct {
	Stage      Ref     `json:"stage"`
	Measured   bool    `json:"measured"`
	Entered    int     `json:"entered"`
	Completed  int     `json:"completed"`
	Conversion float64 `json:"conversion"`
	Lost       int     `json:"lost"`
	LostAfter  int     `json:"lost_after"`
	Share      float64 `json:"share"`
	Leak       bool    `json:"leak"`
	Owners     []Ref   `json:"owners"`
}

// leakHalf is the part of all losses the leak holds at least.
const leakHalf = 0.5

func (x *index) funnel() Funnel {
	f := Funnel{Stages: make([]FunnelStage, len(x.stages)), Leak: []Ref{}}
	var measured []int
	for i, s := range x.stages {
		fs := &f.Stages[i]
		fs.Stage, fs.Owners = Ref{ID: s.ID, Name: s.Name}, []Ref{}
		if s.Entered > 0 {
			fs.Measured, fs.Entered, fs.Completed = true, s.Entered, min(s.Completed, s.Entered)
			fs.Conversion = share(fs.Completed, fs.Entered)
			fs.Lost = fs.Entered - fs.Completed
			measured = append(measured, i)
		}
	}
	if len(measured) == 0 {
		return f
	}
	f.Known = true
	for k, i := range measured {
		if k+1 < len(measured) {
			f.Stages[i].LostAfter = max(0, f.Stages[i].Completed-f.Stages[measured[k+1]].Entered)
		}
		f.Lost += f.Stages[i].Lost + f.Stages[i].LostAfter
	}
	firstStage, lastStage := f.Stages[measured[0]], f.Stages[measured[len(measured)-1]]
	f.Entered, f.Completed = firstStage.Entered, lastStage.Completed
	f.Conversion = share(f.Completed, f.Entered)
	worst := -1
	for _, i := range measured {
		fs := &f.Stages[i]
		fs.Share = share(fs.Lost+fs.LostAfter, f.Lost)
		if worst < 0 || fs.Conversion < f.Stages[worst].Conversion {
			worst = i
		}
	}
	f.Worst = f.Stages[worst].Stage
	// The leak: the stages that lose most, largest first, cut where the next loses
	// clearly less — at the largest fall between two shares among the cuts that hold at
	// least half of the loss (the first such cut when the falls are equal).
	byLoss := slices.Clone(measured)
	slices.SortStableFunc(byLoss, func(a, b int) int { return cmp.Compare(f.Stages[b].Share, f.Stages[a].Share) })
	if f.Lost > 0 {
		cutAt, bestFall, sum := 0, -1.0, 0.0
		for k, i := range byLoss {
			if f.Stages[i].Share == 0 {
				break
			}
			sum += f.Stages[i].Share
			next := 0.0
			if k+1 < len(byLoss) {
				next = f.Stages[byLoss[k+1]].Share
			}
			if sum >= leakHalf && f.Stages[i].Share-next > bestFall {
				cutAt, bestFall = k+1, f.Stages[i].Share-next
			}
		}
		leak := slices.Clone(byLoss[:cutAt])
		slices.Sort(leak)
		for _, i := range leak {
			fs := &f.Stages[i]
			fs.Leak = true
			f.Leak = append(f.Leak, fs.Stage)
			f.LeakShare += fs.Share
			var cards []*Card
			fs.Owners, cards = x.owners(i)
			f.Evidence = f.Evidence.plus(x.evidenceOf(cards))
		}
	}
	for i := range f.Stages { // owners of every stage, for the page
		if !f.Stages[i].Leak {
			f.Stages[i].Owners, _ = x.owners(i)
		}
	}
	return f
}

// owners returns the teams that own the backstage and support cards of stage i, the most
// cards first, or its frontstage's when it has none behind the line; and those cards.
func (x *index) owners(i int) ([]Ref, []*Card) {
	for _, zone := range []func(LaneRole) bool{behind, func(r LaneRole) bool { return r == RoleFrontstage }} {
		count := map[string]int{}
		var cards []*Card
		for _, c := range x.byStage[i] {
			if c.Team != "" && zone(x.role(c)) {
				count[c.Team]++
				cards = append(cards, c)
			}
		}
		if len(count) == 0 {
			continue
		}
		teams := make([]Ref, 0, len(count))
		for id := range count {
			teams = append(teams, x.teamRef(id))
		}
		slices.SortFunc(teams, func(a, b Ref) int {
			return cmp.Or(cmp.Compare(count[b.ID], count[a.ID]), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
		})
		return teams, cards
	}
	return []Ref{}, nil
}
