package blueprinttest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"lastmile/internal/blueprint"
)

// Hostile is a text that would run as markup, reverse the words after it or end a line
// if a page or a file wrote it as it is.
const Hostile = "<img src=x onerror=alert(1)></script>\u202eRTL « é » \u2068&amp;\n"

// Workshop returns a board as a workshop leaves it, with every field of its document set
// and annotations of every kind, made by three people: comment threads with replies and
// mentions, a thread resolved, a comment edited, a first comment deleted whose replies
// stay, a comment left on a card deleted since, markers of every severity with evidence
// (a text and a link), +1s, a marker resolved with its sentence. It is made by the ops
// people would send, each committed as its author at a time of its own, so its export is
// what a real board's is. It panics if the domain refuses one of them: a bug of this
// fixture.
func Workshop() *blueprint.Board {
	b := blueprint.NewBoard("workshop", "", blueprint.TemplateServiceBlueprint)
	seq := int64(0)
	at := int64(1_767_225_600_000) // 2026-01-01, Unix ms
	commit := func(by, name string, moderator bool, ops ...blueprint.Op) {
		for _, op := range ops {
			seq++
			at += 60_000
			if err := b.Commit(op, blueprint.Origin{Seq: seq, By: by, Name: name, At: at, Moderator: moderator}); err != nil {
				panic(fmt.Sprintf("Workshop: op %d (%s %s %s): %v", seq, op.Action, op.Type, op.ID, err))
			}
		}
	}
	mk := func(typ, id string, f blueprint.Fields) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionCreate, Type: typ, ID: id, Fields: f}
	}
	up := func(typ, id string, f blueprint.Fields) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionUpdate, Type: typ, ID: id, Fields: f}
	}
	del := func(typ, id string) blueprint.Op {
		return blueprint.Op{Action: blueprint.ActionDelete, Type: typ, ID: id}
	}
	s, n, t := ptr[string], ptr[int], ptr[bool]
	const fa, ana, bo = "u:fa", "u:ana", "g:0123456789abcdef0123456789abcdef"
	commit(fa, "Fa", true,
		up(blueprint.TypeBoard, b.ID, blueprint.Fields{Title: s("Parcours « commande » " + Hostile)}),
		up(blueprint.TypeBoard, b.ID, blueprint.Fields{LaunchCandidate: t(true), LaunchDate: s("2026-06-01"),
			Problem: s("Orders stall at the paper form"), DailyUsers: &[]string{"Ana", "Bo"}, MinimumUseful: s("Online form"),
			Deadline: s("2026-06-30"), CheckIn: s("2026-07-31")}),
		mk(blueprint.TypeTeam, "t-sales", blueprint.Fields{Name: s("Équipe vente"), Color: s("#2563eb")}),
		mk(blueprint.TypeTeam, "t-hostile", blueprint.Fields{Name: s(Hostile), Color: s("#ABCDEF")}),
		mk(blueprint.TypeStage, "s1", blueprint.Fields{Name: s("Découvrir"), Order: s("G"), Entered: n(1000), Completed: n(640)}),
		mk(blueprint.TypeStage, "s2", blueprint.Fields{Name: s(Hostile), Order: s("V")}),
		mk(blueprint.TypeLane, "l1", blueprint.Fields{Role: s("customer_actions"), Label: s("Actions du client"), Order: s("1")}),
		mk(blueprint.TypeLane, "l2", blueprint.Fields{Role: s("backstage"), Label: s(Hostile), Order: s("2"), Hidden: t(true)}),
		mk(blueprint.TypeLane, "l3", blueprint.Fields{Role: s("emotion"), Label: s("Humeur"), Order: s("3")}),
		mk(blueprint.TypeCard, "c1", blueprint.Fields{Stage: s("s1"), Lane: s("l1"), Order: s("V"), Text: s("Fills in the form"),
			Team: s("t-sales"), Kind: s("touchpoint"), ActiveMinutes: n(15), ActiveMax: n(30), WaitMinutes: n(60), WaitMax: n(2880),
			Detail: s(Hostile), Evidence: s("observed"), Manual: t(true), Milestone: s("first_contact")}),
		mk(blueprint.TypeCard, "c2", blueprint.Fields{Stage: s("s1"), Lane: s("l1"), Order: s("V"), Text: s(Hostile),
			Team: s("t-hostile"), Kind: s("pain_point")}), // the order of c1: sorted by id
		mk(blueprint.TypeCard, "c3", blueprint.Fields{Stage: s("s2"), Lane: s("l2"), Order: s("G"), Text: s("Checks the stock"),
			Milestone: s("value_moment"), Evidence: s("to_verify")}),
		mk(blueprint.TypeCard, "c4", blueprint.Fields{Stage: s("s2"), Lane: s("l3"), Order: s("z"), Kind: s("emotion"), Emotion: n(-2)}),
		mk(blueprint.TypeCard, "gone", blueprint.Fields{Stage: s("s2"), Lane: s("l1"), Order: s("V"), Text: s("Calls the shop")}),
		mk(blueprint.TypeLink, "k1", blueprint.Fields{Kind: s("handoff"), From: s("c1"), To: s("c3"), Critical: t(true), Status: s("agreed"),
			Owner: s("t-sales"), Holder: s("Chloé"), Risk: &blueprint.Acceptance{By: "Dan", Reason: "Paper stays until June", On: "2026-05-05"},
			AckFrom: &blueprint.Ack{By: "Ana", On: "2026-05-04"}, AckTo: &blueprint.Ack{By: "Bo", On: "2026-05-06"}}),
		mk(blueprint.TypeLink, "k2", blueprint.Fields{Kind: s("dependency"), From: s("c2"), To: s("c4"), Status: s("resolved")}),
	)
	commit(ana, "Ana "+Hostile, false,
		mk(blueprint.TypeComment, "m1", blueprint.Fields{Anchor: &blueprint.Anchor{Card: "c1"}, Text: s("Who signs the form? @Bo"), Mentions: &[]string{bo}}),
		mk(blueprint.TypeMarker, "f1", blueprint.Fields{Anchor: &blueprint.Anchor{Card: "c1"}, Severity: s("blocking"), Kind: s("manual"),
			Text: s("Paper form, signed by hand"), Evidence: s("https://example.org/form.pdf")}),
		mk(blueprint.TypeComment, "m5", blueprint.Fields{Anchor: &blueprint.Anchor{Card: "gone"}, Text: s("Nobody answers the phone")}),
		mk(blueprint.TypeMarker, "f3", blueprint.Fields{Anchor: &blueprint.Anchor{Stage: "s2", Lane: "l2"}, Severity: s("low"), Kind: s("waiting"),
			Text: s("Stock checked by night")}),
	)
	commit(bo, "Bo", false,
		mk(blueprint.TypeComment, "m2", blueprint.Fields{Parent: s("m1"), Text: s("The manager, on paper")}),
		mk(blueprint.TypePlusOne, "f1", blueprint.Fields{}),
		mk(blueprint.TypeMarker, "f2", blueprint.Fields{Anchor: &blueprint.Anchor{Stage: "s1", Lane: "l1"}, Severity: s("medium"), Kind: s("missing_info"),
			Text: s("No delay given"), Evidence: s("Interview #4: " + Hostile)}),
		mk(blueprint.TypeComment, "m3", blueprint.Fields{Anchor: &blueprint.Anchor{Link: "k1"}, Text: s("Is this handoff agreed?")}),
		up(blueprint.TypeComment, "m3", blueprint.Fields{Text: s("Is this handoff agreed by both teams?")}),
		mk(blueprint.TypeComment, "m6", blueprint.Fields{Anchor: &blueprint.Anchor{Stage: "s2"}, Text: s("This stage is wrong")}),
	)
	commit(fa, "Fa", true,
		mk(blueprint.TypeComment, "m4", blueprint.Fields{Parent: s("m3"), Text: s("Yes, since May")}),
		up(blueprint.TypeComment, "m3", blueprint.Fields{Resolved: t(true)}),
		mk(blueprint.TypePlusOne, "f1", blueprint.Fields{}),
		mk(blueprint.TypePlusOne, "f2", blueprint.Fields{}),
		up(blueprint.TypeMarker, "f3", blueprint.Fields{Resolved: t(true), Resolution: s("Checked at 8 am now")}),
		mk(blueprint.TypeComment, "m7", blueprint.Fields{Parent: s("m6"), Text: s("Agreed, split it")}),
		del(blueprint.TypeComment, "m6"), // its reply stays in the thread
		del(blueprint.TypeCard, "gone"),  // its comment stays, on a deleted card
	)
	b.Seq = seq
	return b
}

// AfterImport returns what the export of a board made by importing e says, before anyone
// changes it: the definition of the round trip (docs/export.md), written apart from the
// import so that a test can hold the import to it. It is e, every field and every order
// as they are, except:
//   - id: the new board's;
//   - version: this server's;
//   - seq: the new board's log, a first op that sets the title, one op per team, stage,
//     lane, card and link, one for the framing if there is one, then one per comment and
//     marker;
//   - each comment's and marker's seq: that of the op that recreated it, taken in the
//     order they were made (by seq, a comment before a marker of the same seq, then id),
//     so that their order stays;
//   - every person (authors, resolvers, mentions, +1s): the imported person
//     blueprint.ImportedPerson names, their display names kept.
//
// A board exported and imported again names imported people already, so AfterImport
// changes only id and the sequences of its export; those too are the same when the
// board was itself made by an import and not changed since.
func AfterImport(e *blueprint.Export, id string) *blueprint.Export {
	data, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	var out blueprint.Export
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	out.ID, out.Version = id, blueprint.ExportVersion
	seq := int64(1 + len(out.Teams) + len(out.Stages) + len(out.Lanes) + len(out.Cards) + len(out.Links))
	if out.Framing != nil {
		seq++
	}
	type item struct {
		seq    int64
		marker bool
		id     string
		set    func(int64)
	}
	var items []item
	person := blueprint.ImportedPerson
	for _, c := range out.Comments {
		c.By, c.ResolvedBy = person(c.By), person(c.ResolvedBy)
		for i := range c.Mentions {
			c.Mentions[i] = person(c.Mentions[i])
		}
		items = append(items, item{c.Seq, false, c.ID, func(s int64) { c.Seq = s }})
	}
	for _, m := range out.Markers {
		m.By, m.ResolvedBy = person(m.By), person(m.ResolvedBy)
		for i := range m.PlusOnes {
			m.PlusOnes[i].By = person(m.PlusOnes[i].By)
		}
		items = append(items, item{m.Seq, true, m.ID, func(s int64) { m.Seq = s }})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.seq, b.seq); c != 0 {
			return c
		}
		if a.marker != b.marker {
			if a.marker {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.id, b.id)
	})
	for _, it := range items {
		seq++
		it.set(seq)
	}
	out.Seq = seq
	return &out
}
