// Package blueprinttest holds helpers for the tests of packages that use the domain: a
// generator of random ops, shared by the domain's determinism test and the browser test
// that compares the live page's drawing with the server's render.
package blueprinttest

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"lastmile/internal/blueprint"
)

// digits are the digits of order keys.
const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandomOp returns an op on a small id space (stages s0–s3, lanes l0–l3, cards c0–c5,
// teams t0–t3, links k0–k3), often one a board will refuse: a missing reference, an
// existing id, a bad value. Ops of type board name board, or now and then another board.
// Texts include what a page must show as text and not read as markup or as placeholders,
// spaces a pre-wrapped text keeps, and line breaks.
func RandomOp(r *rand.Rand, board string) blueprint.Op {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	id := func(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, r.IntN(n)) }
	order := func() *string { return ptr(string(digits[1+r.IntN(len(digits)-1)]) + pick("", "V", "1")) }
	maybe := func(p float64) bool { return r.Float64() < p }
	minutes := func() *int {
		return ptr([]int{-1, 0, 1, 5, 59, 60, 90, 120, 1440, 1500, 2880, 525601}[r.IntN(12)])
	}

	typ := pick(blueprint.TypeStage, blueprint.TypeLane, blueprint.TypeCard, blueprint.TypeCard, blueprint.TypeCard,
		blueprint.TypeTeam, blueprint.TypeLink, blueprint.TypeLink, blueprint.TypeLink, blueprint.TypeBoard)
	action := pick(blueprint.ActionCreate, blueprint.ActionCreate, blueprint.ActionUpdate, blueprint.ActionUpdate, blueprint.ActionDelete)
	if typ != blueprint.TypeLink && action == blueprint.ActionDelete && maybe(0.6) {
		action = blueprint.ActionUpdate // keep cascades rare enough for cards and links to pile up
	}
	op := blueprint.Op{Action: action, Type: typ}
	var f blueprint.Fields
	switch typ {
	case blueprint.TypeBoard:
		op.ID = pick(board, board, board+"x")
		f.Title = ptr(pick("Parcours", "Commande en ligne", "<script>x</script>"))
		if maybe(0.3) {
			f.LaunchCandidate, f.LaunchDate = ptr(maybe(0.7)), ptr(pick("2026-06-01", "", "2026-02-30"))
		}
	case blueprint.TypeStage:
		op.ID = id("s", 4)
		if maybe(0.8) {
			f.Order = order()
		}
		if maybe(0.5) {
			f.Name = ptr(pick("Découvrir", "Payer", "", "{name}"))
		}
		if maybe(0.1) {
			f.Entered, f.Completed = ptr(r.IntN(200)), ptr(r.IntN(200))
		}
	case blueprint.TypeLane:
		op.ID = id("l", 4)
		if maybe(0.8) {
			f.Order = order()
		}
		if maybe(0.8) {
			f.Role = ptr(pick(string(blueprint.RoleCustomerActions), string(blueprint.RoleFrontstage), string(blueprint.RoleBackstage),
				string(blueprint.RoleSupport), string(blueprint.RolePhysicalEvidence), string(blueprint.RoleEmotion),
				string(blueprint.RoleEmotion), "kitchen"))
		}
		if maybe(0.4) {
			f.Label = ptr(pick("Cuisine", "Frontstage", "", "Émotion"))
		}
		if maybe(0.3) {
			f.Hidden = ptr(maybe(0.5))
		}
	case blueprint.TypeCard:
		op.ID = id("c", 6)
		if action == blueprint.ActionCreate || maybe(0.3) { // a move
			f.Stage, f.Lane, f.Order = ptr(id("s", 4)), ptr(id("l", 4)), order()
			if maybe(0.1) {
				f.Stage = ptr("s9") // never created
			}
		}
		if maybe(0.5) {
			f.Text = ptr(pick("Paie", "Attend la livraison", "é\x00", "  deux espaces  ", "ligne\nsuivante", "<img src=x>", "{text}")) // é\x00 is refused
		}
		if maybe(0.3) {
			f.Team = ptr(pick("", "t0", "t1", "t2", "t3"))
		}
		if maybe(0.2) {
			f.Kind = ptr(pick(blueprint.KindTouchpoint, blueprint.KindPainPoint, blueprint.LinkHandoff))
		}
		if maybe(0.2) {
			f.ActiveMinutes = minutes()
		}
		if maybe(0.15) {
			f.WaitMinutes = minutes()
		}
		if maybe(0.15) {
			f.Detail = ptr(pick("", "Détail", "une\nautre ligne"))
		}
		if maybe(0.25) {
			f.Emotion = ptr(r.IntN(7) - 3)
		}
		if maybe(0.15) {
			f.ActiveMax = minutes()
		}
		if maybe(0.1) {
			f.WaitMax = minutes()
		}
		if maybe(0.2) {
			f.Evidence = ptr(pick("", blueprint.EvidenceObserved, blueprint.EvidenceAssumed, blueprint.EvidenceToVerify, "guessed"))
		}
		if maybe(0.15) {
			f.Manual = ptr(maybe(0.6))
		}
		if maybe(0.15) {
			f.Milestone = ptr(pick("", blueprint.MilestoneFirstContact, blueprint.MilestoneValue, "launch"))
		}
	case blueprint.TypeTeam:
		op.ID = id("t", 4)
		if maybe(0.8) {
			f.Name = ptr(pick("Vente", "Support", "Zèbre"))
		}
		if maybe(0.4) {
			f.Color = ptr(pick("#112233", "#abcdef", "red"))
		}
	case blueprint.TypeLink:
		op.ID = id("k", 4)
		if action == blueprint.ActionCreate {
			f.From, f.To = ptr(id("c", 6)), ptr(id("c", 6))
		}
		if maybe(0.4) {
			f.Status = ptr(pick(blueprint.StatusOpen, blueprint.StatusAgreed, blueprint.StatusResolved))
		}
		if maybe(0.3) {
			f.Owner = ptr(pick("", "t0", "t1", "t2", "t3"))
		}
		if maybe(0.2) {
			f.Critical = ptr(maybe(0.5))
		}
		if maybe(0.1) {
			f.Kind = ptr(pick(blueprint.LinkDependency, blueprint.KindNote))
		}
		if maybe(0.15) {
			f.Holder = ptr(pick("", "Léa", "<b>Bo</b>", "deux\nlignes"))
		}
		if maybe(0.15) {
			f.Risk = ptr(pickOf(r, blueprint.Acceptance{}, blueprint.Acceptance{By: "Ana", Reason: "Contrat signé", On: "2026-05-04"},
				blueprint.Acceptance{By: "Bo", Reason: "{reason}", On: "2026-05-05"}, blueprint.Acceptance{By: "Ana", On: "2026-05-04"}))
		}
		for _, ack := range []**blueprint.Ack{&f.AckFrom, &f.AckTo} {
			if maybe(0.12) {
				*ack = ptr(pickOf(r, blueprint.Ack{}, blueprint.Ack{By: "Cy", On: "2026-05-06"}, blueprint.Ack{By: "Dé", On: "6 mai"}))
			}
		}
	}
	if action != blueprint.ActionDelete || maybe(0.05) {
		op.Fields = f
	}
	return op
}

func ptr[T any](v T) *T { return &v }

// pickOf returns one of list at random.
func pickOf[T any](r *rand.Rand, list ...T) T { return list[r.IntN(len(list))] }

// People are the identities RandomAnnotation makes ops as: two accounts and a guest.
var People = []string{"u:ana", "u:bo", "g:cy"}

// RandomAnnotation returns an annotation op on the id space of RandomOp (comments m0–m23,
// markers f0–f5, on cards c0–c5, links k0–k3, stages s0–s3 and cells of lanes l0–l3) and
// the origin of its author, one of People, now and then a facilitator. Many will be
// refused: a missing anchor, someone else's text, a +1 twice or on one's own marker, a
// text too long, a bad severity or link.
func RandomAnnotation(r *rand.Rand) (blueprint.Op, blueprint.Origin) {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	id := func(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, r.IntN(n)) }
	maybe := func(p float64) bool { return r.Float64() < p }
	who := People[r.IntN(len(People))]
	o := blueprint.Origin{By: who, Name: map[string]string{"u:ana": "Ana", "u:bo": "Bo", "g:cy": "Cy"}[who], Moderator: maybe(0.1)}
	anchor := func(marker bool) *blueprint.Anchor {
		switch r.IntN(map[bool]int{false: 5, true: 3}[marker]) {
		case 0, 1:
			return &blueprint.Anchor{Card: id("c", 6)}
		case 2:
			return &blueprint.Anchor{Stage: id("s", 4), Lane: id("l", 4)}
		case 3:
			return &blueprint.Anchor{Link: id("k", 4)}
		}
		return &blueprint.Anchor{Stage: id("s", 4)}
	}
	text := func(long int) *string {
		return ptr(pick("Qui valide ?", "@Bo regarde", "<b>gras</b>", "{text}", "ligne\nsuivante", "  ", strings.Repeat("é", long+1)))
	}
	action := pick(blueprint.ActionCreate, blueprint.ActionCreate, blueprint.ActionUpdate, blueprint.ActionUpdate, blueprint.ActionDelete)
	var op blueprint.Op
	switch r.IntN(5) {
	case 0, 1:
		op = blueprint.Op{Action: action, Type: blueprint.TypeComment, ID: id("m", 24)}
		f := &op.Fields
		switch action {
		case blueprint.ActionCreate:
			if maybe(0.35) {
				f.Parent = ptr(id("m", 24))
			} else {
				f.Anchor = anchor(false)
			}
			f.Text = text(blueprint.MaxTextLen)
			if maybe(0.3) {
				f.Mentions = &[]string{pick(People...)}
			}
		case blueprint.ActionUpdate:
			if maybe(0.5) {
				f.Resolved = ptr(maybe(0.6))
			} else {
				f.Text = text(blueprint.MaxTextLen)
			}
		}
	case 2, 3:
		op = blueprint.Op{Action: action, Type: blueprint.TypeMarker, ID: id("f", 6)}
		f := &op.Fields
		switch action {
		case blueprint.ActionCreate:
			f.Anchor, f.Text = anchor(true), text(blueprint.MaxMarkerTextLen)
			f.Severity = ptr(pick("low", "medium", "high", "blocking", "urgent"))
			f.Kind = ptr(pick(blueprint.FrictionKinds...))
			if maybe(0.3) {
				f.Evidence = ptr(pick("Photo du formulaire", "https://example.org/scan.pdf", "javascript:alert(1)"))
			}
		case blueprint.ActionUpdate:
			if maybe(0.5) {
				f.Resolved = ptr(maybe(0.6))
				if *f.Resolved {
					f.Resolution = ptr(pick("Formulaire en ligne", ""))
				}
			} else {
				f.Severity = ptr(pick(blueprint.Severities...))
			}
		}
	default:
		op = blueprint.Op{Action: pick(blueprint.ActionCreate, blueprint.ActionCreate, blueprint.ActionDelete), Type: blueprint.TypePlusOne, ID: id("f", 6)}
	}
	return op, o
}
