package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"lastmile/internal/blueprint"
)

// BenchmarkApplyEdits commits edits one at a time, or in batches, to a board of 300 cards:
// the cost of one group commit, fsync included.
//
//	go test -run x -bench ApplyEdits ./internal/postgres/
func BenchmarkApplyEdits(b *testing.B) {
	for _, batch := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			s := mustStore(b)
			board := mustBoard(b, s, blueprint.TemplateServiceBlueprint)
			var edits []blueprint.Edit
			for i := range 300 {
				edits = append(edits, blueprint.Edit{Author: "bench", Op: cardOp("", fmt.Sprintf("c%d", i), "stage-1", "lane-2",
					"V", fmt.Sprintf("Card number %d with a sentence of ordinary length", i))})
			}
			if _, err := s.ApplyEdits(ctx, board.ID, edits); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			n := 0
			for b.Loop() {
				edits = edits[:0]
				for range batch {
					n++
					edits = append(edits, blueprint.Edit{Author: "bench", Op: blueprint.Op{Key: fmt.Sprintf("k:%d", n),
						Action: blueprint.ActionUpdate, Type: blueprint.TypeCard, ID: fmt.Sprintf("c%d", n%300),
						Fields: blueprint.Fields{Text: str(fmt.Sprintf("Edited %d", n))}}})
				}
				if _, err := s.ApplyEdits(ctx, board.ID, edits); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/op")
		})
	}
}
