package server

import (
	"net/url"
	"testing"
	"time"

	"lastmile/internal/blueprint"
)

// TestPrintTickets checks a ticket's life: valid once, for its board, until it expires.
func TestPrintTickets(t *testing.T) {
	var ts printTickets
	now := time.Now()
	a := ts.issue(printTicket{boardID: "b1", userID: "u1"}, now)
	if len(a) < 40 {
		t.Fatalf("a ticket of %d characters", len(a))
	}
	if got, ok := ts.redeem(a, "b1", now.Add(printTicketTTL-time.Second)); !ok || got.userID != "u1" {
		t.Fatalf("a fresh ticket: %v %v", got, ok)
	}
	if _, ok := ts.redeem(a, "b1", now); ok {
		t.Fatal("a ticket was used twice")
	}
	b := ts.issue(printTicket{boardID: "b1"}, now)
	if _, ok := ts.redeem(b, "b2", now); ok {
		t.Fatal("a ticket opened another board")
	}
	if _, ok := ts.redeem(b, "b1", now); ok {
		t.Fatal("a ticket shown at another board stayed valid")
	}
	c := ts.issue(printTicket{boardID: "b1"}, now)
	if _, ok := ts.redeem(c, "b1", now.Add(printTicketTTL)); ok {
		t.Fatal("an expired ticket was taken")
	}
	d := ts.issue(printTicket{boardID: "b1"}, now)
	ts.drop(d)
	if _, ok := ts.redeem(d, "b1", now); ok {
		t.Fatal("a dropped ticket was taken")
	}
	// Outstanding tickets are bounded; expired ones make room.
	for range maxPrintTickets {
		if ts.issue(printTicket{boardID: "b1"}, now) == "" {
			t.Fatal("refused before the limit")
		}
	}
	if ts.issue(printTicket{boardID: "b1"}, now) != "" {
		t.Fatal("a ticket past the limit")
	}
	if ts.issue(printTicket{boardID: "b1"}, now.Add(printTicketTTL)) == "" {
		t.Fatal("expired tickets did not make room")
	}
}

// FuzzPrintOptions checks that any query of the print view and the PDF export is read
// or refused with an invalid error, never anything else.
func FuzzPrintOptions(f *testing.F) {
	for _, s := range []string{"", "paper=a4", "paper=A3&fit=1", "fit=0", "paper=letter", "fit=2", "paper=%ff", "picture=1&fit=0", "paper=a4&paper=a3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		o, err := parsePrintOptions(q)
		if err != nil {
			if blueprint.ErrorCode(err) != blueprint.EINVALID || len(blueprint.ErrorMessage(err)) > 200 {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if o.paper.Width <= o.paper.Height || o.paper.Key == "" {
			t.Fatalf("%q: paper %+v", raw, o.paper)
		}
		if o.picture && !o.fit {
			t.Fatalf("%q: a picture in bands", raw)
		}
	})
}
