package blueprint

import "slices"

// Apply validates op against the board and applies it, as made by nobody known: see
// ApplyAs. It is for board ops, whose effect does not depend on who made them.
func (b *Board) Apply(op Op) error { return b.ApplyAs(op, Origin{}) }

// Commit applies op as sent by the author of o at its commit: Permit, then ApplyAs. It is
// what the commit path does with an op someone sent; a replay of the log applies each op
// with ApplyAs, as it was committed.
func (b *Board) Commit(op Op, o Origin) error {
	if err := op.Validate(); err != nil {
		return err
	}
	if err := b.Permit(op, o); err != nil {
		return err
	}
	return b.ApplyAs(op, o)
}

// ApplyAs validates op against the board and applies it, as made by the author of o at its
// commit. It either changes the board and returns nil, or returns a coded error and
// changes nothing: every check runs before the first write. ApplyAs is deterministic, so
// replaying a board's log (each op with its logged origin) from an empty board gives its
// current state. Board ops change the document and ignore o; annotation ops change
// b.Annotations and record o in what they make. ApplyAs checks no permission: Commit does.
//
// Conflict rules: an update or delete of an entity that does not exist (never created,
// or deleted earlier in server order) is ENOTFOUND, so deletes win over later updates; a
// create whose id exists is ECONFLICT; a create that refers to a missing stage, lane,
// card or team is ENOTFOUND. Deleting a stage or lane deletes its cards; deleting a card
// deletes its links; deleting a team clears it from cards and links.
func (b *Board) ApplyAs(op Op, o Origin) error {
	if err := op.Validate(); err != nil {
		return err
	}
	switch op.Type {
	case TypeComment, TypeMarker, TypePlusOne:
		return b.applyAnnotation(op, o)
	case TypeBoard:
		return b.applyBoard(op)
	case TypeStage:
		return applyEntity(b, op, b.Stages, MaxStages, b.newStage, b.updateStage, b.deleteStage)
	case TypeLane:
		return applyEntity(b, op, b.Lanes, MaxLanes, b.newLane, b.updateLane, b.deleteLane)
	case TypeCard:
		return applyEntity(b, op, b.Cards, MaxCards, b.newCard, b.updateCard, b.deleteCard)
	case TypeTeam:
		return applyEntity(b, op, b.Teams, MaxTeams, b.newTeam, b.updateTeam, b.deleteTeam)
	case TypeLink:
		return applyEntity(b, op, b.Links, MaxLinks, b.newLink, b.updateLink, b.deleteLink)
	}
	return Errorf(EINVALID, "unknown type %q", op.Type)
}

// applyEntity runs the create/update/delete skeleton shared by every entity type.
// newFn builds (and checks) a new entity; updateFn checks the fields and returns a function
// that writes them; deleteFn removes the entity and what hangs on it.
func applyEntity[T any](b *Board, op Op, m map[string]*T, limit int,
	newFn func(Op) (*T, error), updateFn func(*T, Fields) (func(), error), deleteFn func(string)) error {
	cur, exists := m[op.ID]
	switch op.Action {
	case ActionCreate:
		if exists {
			return Errorf(ECONFLICT, "a %s with id %q already exists", Term(op.Type), op.ID)
		}
		if len(m) >= limit {
			return Errorf(ETOOLARGE, "a board holds at most %d of type %s", limit, Term(op.Type))
		}
		v, err := newFn(op)
		if err != nil {
			return err
		}
		m[op.ID] = v
	case ActionUpdate:
		if !exists {
			return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(op.Type), op.ID)
		}
		write, err := updateFn(cur, op.Fields)
		if err != nil {
			return err
		}
		write()
	case ActionDelete:
		if !exists {
			return Errorf(ENOTFOUND, "%s %q does not exist (it may have been deleted)", Term(op.Type), op.ID)
		}
		deleteFn(op.ID)
	}
	return nil
}

func (b *Board) applyBoard(op Op) error {
	if op.ID != b.ID {
		return Errorf(ENOTFOUND, "board %q is not this board", op.ID)
	}
	b.writeBoard(op.Fields)
	return nil
}

// writeBoard sets the board's fields that f names.
func (b *Board) writeBoard(f Fields) {
	b.Title = or(f.Title, b.Title)
	fr := &b.Framing
	fr.LaunchCandidate = or(f.LaunchCandidate, fr.LaunchCandidate)
	fr.LaunchDate = or(f.LaunchDate, fr.LaunchDate)
	fr.Problem = or(f.Problem, fr.Problem)
	if f.DailyUsers != nil {
		fr.DailyUsers = slices.Clone(*f.DailyUsers)
		if len(fr.DailyUsers) == 0 {
			fr.DailyUsers = nil
		}
	}
	fr.MinimumUseful = or(f.MinimumUseful, fr.MinimumUseful)
	fr.Deadline = or(f.Deadline, fr.Deadline)
	fr.CheckIn = or(f.CheckIn, fr.CheckIn)
}

func need[T any](p *T, typ, field string) (T, error) {
	if p == nil {
		var zero T
		return zero, Errorf(EINVALID, "creating a %s needs %q", Term(typ), field)
	}
	return *p, nil
}

func or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// Stages.

func (b *Board) newStage(op Op) (*Stage, error) {
	order, err := need(op.Fields.Order, TypeStage, "order")
	if err != nil {
		return nil, err
	}
	s := &Stage{ID: op.ID, Order: order}
	writeStage(s, op.Fields)
	return s, nil
}

func (b *Board) updateStage(s *Stage, f Fields) (func(), error) {
	return func() { writeStage(s, f) }, nil
}

func writeStage(s *Stage, f Fields) {
	s.Name = or(f.Name, s.Name)
	s.Order = or(f.Order, s.Order)
	s.Entered = or(f.Entered, s.Entered)
	s.Completed = or(f.Completed, s.Completed)
}

func (b *Board) deleteStage(id string) {
	delete(b.Stages, id)
	for cid, c := range b.Cards {
		if c.Stage == id {
			b.deleteCard(cid)
		}
	}
}

// Lanes.

func (b *Board) newLane(op Op) (*Lane, error) {
	order, err := need(op.Fields.Order, TypeLane, "order")
	if err != nil {
		return nil, err
	}
	role, err := need(op.Fields.Role, TypeLane, "role")
	if err != nil {
		return nil, err
	}
	return &Lane{ID: op.ID, Role: LaneRole(role), Label: or(op.Fields.Label, ""), Order: order,
		Hidden: or(op.Fields.Hidden, false)}, nil
}

func (b *Board) updateLane(l *Lane, f Fields) (func(), error) {
	return func() {
		if f.Role != nil {
			l.Role = LaneRole(*f.Role)
		}
		l.Label = or(f.Label, l.Label)
		l.Order = or(f.Order, l.Order)
		l.Hidden = or(f.Hidden, l.Hidden)
	}, nil
}

func (b *Board) deleteLane(id string) {
	delete(b.Lanes, id)
	for cid, c := range b.Cards {
		if c.Lane == id {
			b.deleteCard(cid)
		}
	}
}

// Cards.

func (b *Board) checkCardRefs(f Fields) error {
	if f.Stage != nil && b.Stages[*f.Stage] == nil {
		return Errorf(ENOTFOUND, "stage %q does not exist (it may have been deleted)", *f.Stage)
	}
	if f.Lane != nil && b.Lanes[*f.Lane] == nil {
		return Errorf(ENOTFOUND, "lane %q does not exist (it may have been deleted)", *f.Lane)
	}
	if f.Team != nil && *f.Team != "" && b.Teams[*f.Team] == nil {
		return Errorf(ENOTFOUND, "team %q does not exist (it may have been deleted)", *f.Team)
	}
	if f.Kind != nil && !slices.Contains(CardKinds, *f.Kind) {
		return Errorf(EINVALID, "unknown card kind %q", *f.Kind)
	}
	return nil
}

func (b *Board) newCard(op Op) (*Card, error) {
	f := op.Fields
	for _, req := range []struct {
		p    *string
		name string
	}{{f.Stage, "stage"}, {f.Lane, "lane"}, {f.Order, "order"}} {
		if _, err := need(req.p, TypeCard, req.name); err != nil {
			return nil, err
		}
	}
	if err := b.checkCardRefs(f); err != nil {
		return nil, err
	}
	c := &Card{ID: op.ID, Kind: KindNote}
	b.writeCard(c, f)
	return c, nil
}

func (b *Board) updateCard(c *Card, f Fields) (func(), error) {
	if err := b.checkCardRefs(f); err != nil {
		return nil, err
	}
	return func() { b.writeCard(c, f) }, nil
}

func (b *Board) writeCard(c *Card, f Fields) {
	c.Stage = or(f.Stage, c.Stage)
	c.Lane = or(f.Lane, c.Lane)
	c.Order = or(f.Order, c.Order)
	c.Text = or(f.Text, c.Text)
	c.Team = or(f.Team, c.Team)
	c.Kind = or(f.Kind, c.Kind)
	c.ActiveMinutes = or(f.ActiveMinutes, c.ActiveMinutes)
	c.WaitMinutes = or(f.WaitMinutes, c.WaitMinutes)
	c.Detail = or(f.Detail, c.Detail)
	c.Emotion = or(f.Emotion, c.Emotion)
	c.ActiveMax = or(f.ActiveMax, c.ActiveMax)
	c.WaitMax = or(f.WaitMax, c.WaitMax)
	c.Evidence = or(f.Evidence, c.Evidence)
	c.Manual = or(f.Manual, c.Manual)
	c.Milestone = or(f.Milestone, c.Milestone)
}

func (b *Board) deleteCard(id string) {
	delete(b.Cards, id)
	for lid, l := range b.Links {
		if l.From == id || l.To == id {
			delete(b.Links, lid)
		}
	}
}

// Teams.

func (b *Board) newTeam(op Op) (*Team, error) {
	name, err := need(op.Fields.Name, TypeTeam, "name")
	if err != nil {
		return nil, err
	}
	return &Team{ID: op.ID, Name: name, Color: or(op.Fields.Color, "#6b7280")}, nil
}

func (b *Board) updateTeam(t *Team, f Fields) (func(), error) {
	return func() {
		t.Name = or(f.Name, t.Name)
		t.Color = or(f.Color, t.Color)
	}, nil
}

func (b *Board) deleteTeam(id string) {
	delete(b.Teams, id)
	for _, c := range b.Cards {
		if c.Team == id {
			c.Team = ""
		}
	}
	for _, l := range b.Links {
		if l.Owner == id {
			l.Owner = ""
		}
	}
}

// Links.

func (b *Board) checkLinkFields(f Fields) error {
	if f.Kind != nil && !slices.Contains(LinkKinds, *f.Kind) {
		return Errorf(EINVALID, "unknown link kind %q: expected handoff or dependency", *f.Kind)
	}
	if f.Owner != nil && *f.Owner != "" && b.Teams[*f.Owner] == nil {
		return Errorf(ENOTFOUND, "team %q does not exist (it may have been deleted)", *f.Owner)
	}
	return nil
}

func (b *Board) newLink(op Op) (*Link, error) {
	f := op.Fields
	from, err := need(f.From, TypeLink, "from")
	if err != nil {
		return nil, err
	}
	to, err := need(f.To, TypeLink, "to")
	if err != nil {
		return nil, err
	}
	if from == to {
		return nil, Errorf(EINVALID, "a link joins two different cards")
	}
	for _, id := range []string{from, to} {
		if b.Cards[id] == nil {
			return nil, Errorf(ENOTFOUND, "card %q does not exist (it may have been deleted)", id)
		}
	}
	if err := b.checkLinkFields(f); err != nil {
		return nil, err
	}
	l := &Link{ID: op.ID, Kind: LinkHandoff, From: from, To: to, Status: StatusOpen}
	writeLink(l, f)
	return l, nil
}

func (b *Board) updateLink(l *Link, f Fields) (func(), error) {
	if err := b.checkLinkFields(f); err != nil {
		return nil, err
	}
	return func() { writeLink(l, f) }, nil
}

func writeLink(l *Link, f Fields) {
	l.Kind = or(f.Kind, l.Kind)
	l.Critical = or(f.Critical, l.Critical)
	l.Status = or(f.Status, l.Status)
	l.Owner = or(f.Owner, l.Owner)
	l.Holder = or(f.Holder, l.Holder)
	l.Risk = or(f.Risk, l.Risk)
	l.AckFrom = or(f.AckFrom, l.AckFrom)
	l.AckTo = or(f.AckTo, l.AckTo)
}

func (b *Board) deleteLink(id string) { delete(b.Links, id) }
