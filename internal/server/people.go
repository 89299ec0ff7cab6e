package server

import (
	"net/http"
	"sort"

	"lastmile/internal/blueprint"
)

// handlePeople serves GET /api/boards/{id}/people: whom a comment on the board may
// mention, for the page's completion of @mentions: the board's members (by account, named
// by their e-mail), the guests of its share links (by their session's identity and
// the name they gave) and everyone who commented, marked or gave a +1 on it (guests
// included, by their session's identity), each once as {"by", "name"}, sorted by name.
// Anyone who may read the board may read it.
func (s *Server) handlePeople(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	names := map[string]string{}
	if s.accounts != nil {
		members, err := s.accounts.ListMembers(r.Context(), b.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, m := range members {
			names["u:"+m.UserID] = m.Email
		}
		guests, err := s.accounts.ListGuests(r.Context(), b.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, g := range guests {
			if g.Person != "" && g.Name != "" {
				names[g.Person] = g.Name
			}
		}
	}
	// Authors, in the order they wrote, so that the latest name they gave wins.
	add := func(by, name string) {
		if blueprint.ValidPerson(by) && name != "" {
			names[by] = name
		}
	}
	for _, c := range b.SortedComments() {
		add(c.By, c.Author)
	}
	for _, m := range b.SortedMarkers() {
		add(m.By, m.Author)
		for _, p := range m.PlusOnes {
			add(p.By, p.Author)
		}
	}
	type person struct {
		By   string `json:"by"`
		Name string `json:"name"`
	}
	people := make([]person, 0, len(names))
	for by, name := range names {
		people = append(people, person{by, name})
	}
	sort.Slice(people, func(i, j int) bool {
		if people[i].Name != people[j].Name {
			return people[i].Name < people[j].Name
		}
		return people[i].By < people[j].By
	})
	writeJSON(w, http.StatusOK, map[string]any{"people": people})
}
