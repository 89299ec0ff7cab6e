package blueprint

import (
	"cmp"
	"slices"
)

// Vote is a facilitator's dot vote on a board (docs/facilitation.md). Its settings and
// its results are part of the facilitation state, which everyone sees; the ballots of an
// open vote are not: each person sees only their own (the storage keeps them apart), and
// the results are counted and shown when the vote closes.
type Vote struct {
	ID string `json:"id"`
	// On is what can be voted on: VoteCards, VoteMarkers or VoteBoth.
	On string `json:"on"`
	// PerPerson is how many votes each person has, Multiple whether several of them may go
	// to one item.
	PerPerson int  `json:"per_person"`
	Multiple  bool `json:"multiple,omitempty"`
	Open      bool `json:"open"`
	// EndsAt is when an open vote closes by itself (unix ms, the server's clock); 0 for a
	// vote the facilitator closes.
	EndsAt   int64 `json:"ends_at,omitempty"`
	OpenedAt int64 `json:"opened_at"`
	ClosedAt int64 `json:"closed_at,omitempty"`
	// Voters is how many people voted, and Results the items with at least one vote, from
	// the most voted: both counted when the vote closes.
	Voters  int          `json:"voters,omitempty"`
	Results []VoteResult `json:"results,omitempty"`
}

// Ballot is one person's votes in a vote: item → votes, and Used, their sum.
type Ballot struct {
	Items map[string]int
	Used  int
}

// VoteResult is the votes an item got.
type VoteResult struct {
	Item  string `json:"item"` // a card's or a marker's id
	Votes int    `json:"votes"`
}

// What a vote is on, the actions on votes, and their limits.
const (
	VoteCards   = "cards"
	VoteMarkers = "markers"
	VoteBoth    = "both"

	VoteOpen    = "open"    // a new vote, open
	VoteClose   = "close"   // closes the open vote and shows its results
	VoteReopen  = "reopen"  // opens a closed vote again, its ballots kept
	VoteDiscard = "discard" // removes a vote, its ballots and results

	MaxVotesPerPerson = 20
	MaxVoteMinutes    = 120
	// MaxVotes is how many votes (open and past) a board's facilitation state keeps.
	MaxVotes = 20
)

// VoteActions are the actions on votes; VoteTargets what a vote can be on.
var (
	VoteActions = []string{VoteOpen, VoteClose, VoteReopen, VoteDiscard}
	VoteTargets = []string{VoteCards, VoteMarkers, VoteBoth}
)

// VoteChange is a facilitator's action on the board's votes. On, PerPerson, Multiple and
// Minutes (0 for no time limit) go with VoteOpen; ID names the vote of VoteReopen and
// VoteDiscard.
type VoteChange struct {
	Action    string `json:"action"`
	On        string `json:"on,omitempty"`
	PerPerson int    `json:"per_person,omitempty"`
	Multiple  bool   `json:"multiple,omitempty"`
	Minutes   int    `json:"minutes,omitempty"`
	ID        string `json:"id,omitempty"`
}

// Check returns the error (EINVALID) of a change that cannot be read as an action on
// votes, whatever the state.
func (c VoteChange) Check() error {
	if !slices.Contains(VoteActions, c.Action) {
		return Errorf(EINVALID, "a vote's action is open, close, reopen or discard")
	}
	if c.Action == VoteOpen {
		if !slices.Contains(VoteTargets, c.On) {
			return Errorf(EINVALID, "a vote is on cards, markers or both")
		}
		if c.PerPerson < 1 || c.PerPerson > MaxVotesPerPerson {
			return Errorf(EINVALID, "each person has from 1 to %d votes", MaxVotesPerPerson)
		}
		if c.Minutes < 0 || c.Minutes > MaxVoteMinutes {
			return Errorf(EINVALID, "a vote lasts at most %d minutes, or has no time limit", MaxVoteMinutes)
		}
		if c.ID != "" {
			return Errorf(EINVALID, "a new vote's id is chosen by the server")
		}
	} else if c.On != "" || c.PerPerson != 0 || c.Multiple || c.Minutes != 0 {
		return Errorf(EINVALID, "only a vote's opening has settings")
	}
	if (c.Action == VoteReopen || c.Action == VoteDiscard) != (c.ID != "") {
		return Errorf(EINVALID, "reopen and discard name a vote, by its id, and the others do not")
	}
	if c.ID != "" && !ValidID(c.ID) {
		return Errorf(ENOTFOUND, "no such vote")
	}
	return nil
}

// OpenVote returns the board's open vote, nil when none is.
func (f *Facilitation) OpenVote() *Vote {
	for i := range f.Votes {
		if f.Votes[i].Open {
			return &f.Votes[i]
		}
	}
	return nil
}

// vote returns the vote of id, nil when there is none.
func (f *Facilitation) vote(id string) *Vote {
	for i := range f.Votes {
		if f.Votes[i].ID == id {
			return &f.Votes[i]
		}
	}
	return nil
}

// ApplyVote returns the state after change at now (the server's clock, unix ms). newID
// is the id of a vote it opens; tally counts the ballots of the vote it closes (its voters
// and its results, ranked by RankResults). The error says why the change does not apply:
// ECONFLICT for a vote opened while another is, ENOTFOUND for an unknown vote.
func (f Facilitation) ApplyVote(c VoteChange, now int64, newID string, tally func(voteID string) (int, []VoteResult, error)) (Facilitation, error) {
	if err := c.Check(); err != nil {
		return f, err
	}
	f.Votes = slices.Clone(f.Votes)
	open := f.OpenVote()
	switch c.Action {
	case VoteOpen:
		if open != nil {
			return f, Errorf(ECONFLICT, "a vote is already open: close it first")
		}
		if len(f.Votes) >= MaxVotes {
			return f, Errorf(ECONFLICT, "a board keeps %d votes at most: discard a past one first", MaxVotes)
		}
		v := Vote{ID: newID, On: c.On, PerPerson: c.PerPerson, Multiple: c.Multiple, Open: true, OpenedAt: now}
		if c.Minutes > 0 {
			v.EndsAt = now + int64(c.Minutes)*minuteMs
		}
		f.Votes = append(f.Votes, v)
	case VoteClose:
		if open == nil {
			return f, Errorf(ECONFLICT, "no vote is open")
		}
		voters, results, err := tally(open.ID)
		if err != nil {
			return f, err
		}
		open.Open, open.ClosedAt, open.EndsAt = false, now, 0
		open.Voters, open.Results = voters, RankResults(results)
	case VoteReopen:
		v := f.vote(c.ID)
		switch {
		case v == nil:
			return f, Errorf(ENOTFOUND, "no such vote")
		case v.Open:
			return f, Errorf(ECONFLICT, "this vote is open already")
		case open != nil:
			return f, Errorf(ECONFLICT, "a vote is already open: close it first")
		}
		v.Open, v.ClosedAt, v.EndsAt, v.Voters, v.Results = true, 0, 0, 0, nil
	case VoteDiscard:
		i := slices.IndexFunc(f.Votes, func(v Vote) bool { return v.ID == c.ID })
		if i < 0 {
			return f, Errorf(ENOTFOUND, "no such vote")
		}
		f.Votes = slices.Delete(f.Votes, i, i+1)
	}
	if len(f.Votes) == 0 {
		f.Votes = nil
	}
	return f, nil
}

// RankResults orders results from the most voted, then by item id so every page ranks
// ties alike, and leaves out items without votes.
func RankResults(results []VoteResult) []VoteResult {
	out := slices.DeleteFunc(slices.Clone(results), func(r VoteResult) bool { return r.Votes <= 0 })
	slices.SortFunc(out, func(a, b VoteResult) int {
		return cmp.Or(cmp.Compare(b.Votes, a.Votes), cmp.Compare(a.Item, b.Item))
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

// LastResults returns the results of the last vote closed, the ones the board shows on
// its items, and nil when no vote has closed.
func (f *Facilitation) LastResults() *Vote {
	var last *Vote
	for i := range f.Votes {
		if v := &f.Votes[i]; !v.Open && (last == nil || v.ClosedAt >= last.ClosedAt) {
			last = v
		}
	}
	return last
}

// Votable reports whether item is something vote v is on, on board b: a card for
// VoteCards, a friction marker for VoteMarkers, either for VoteBoth.
func (v *Vote) Votable(b *Board, item string) bool {
	_, card := b.Cards[item]
	_, marker := b.Annotations.Markers[item]
	switch v.On {
	case VoteCards:
		return card
	case VoteMarkers:
		return marker
	}
	return card || marker
}

// CheckBallot returns the error of one more vote (delta 1) or one less (delta -1) by a
// person who has mine on item and used votes in all, and nil when it may be cast.
func (v *Vote) CheckBallot(delta, mine, used int) error {
	switch {
	case delta == 1 && used >= v.PerPerson:
		return Errorf(ECONFLICT, "you have used all your votes (%d): take one back to vote again", v.PerPerson)
	case delta == 1 && mine >= 1 && !v.Multiple:
		return Errorf(ECONFLICT, "one vote per item in this vote")
	case delta == -1 && mine <= 0:
		return Errorf(ECONFLICT, "you have no vote on this item to take back")
	case delta != 1 && delta != -1:
		return Errorf(EINVALID, "a ballot adds one vote or takes one back")
	}
	return nil
}
