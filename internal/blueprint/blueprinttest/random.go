// Package blueprinttest holds helpers for the tests of packages that use the domain: a
// generator of random ops, shared by the domain's determinism test and the browser test
// that compares the live page's drawing with the server's render.
package blueprinttest

import (
	"fmt"
	"math/rand/v2"

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
	case blueprint.TypeStage:
		op.ID = id("s", 4)
		if maybe(0.8) {
			f.Order = order()
		}
		if maybe(0.5) {
			f.Name = ptr(pick("Découvrir", "Payer", "", "{name}"))
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
	}
	if action != blueprint.ActionDelete || maybe(0.05) {
		op.Fields = f
	}
	return op
}

func ptr[T any](v T) *T { return &v }
