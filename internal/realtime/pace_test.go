package realtime

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// paceGap holds nothing while a board's broadcasts keep its fan-out busy within the duty,
// and otherwise spaces them so that it is, up to maxHold.
func TestPaceGap(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		rate float64
		took time.Duration
		duty float64
		want time.Duration
	}{
		{1, 10 * ms, 0.25, 0},                        // an edit alone, even to a big audience
		{40, 2 * ms, 0.25, 0},                        // 300 followers, 40 commits a second: 8% busy
		{25, 10 * ms, 0.25, 0},                       // exactly the duty
		{100, 5 * ms, 0.25, 20 * ms},                 // 50% busy: one broadcast every 4 × 5 ms
		{100, 6 * ms, 0.5, 12 * ms},                  // 60% busy, at most half the time
		{100, 20 * ms, 0.25, maxHold},                // never more than maxHold
		{1000, 5 * ms, 0, 0},                         // off, the default
		{1000, 5 * ms, -1, 0},                        // off too
		{0, time.Second, 0.25, 0},                    // nothing pushed lately
		{2e6, time.Microsecond, 1, time.Microsecond}, // at full duty: one after the other
	} {
		if got := paceGap(c.rate, c.took, c.duty); got != c.want {
			t.Errorf("paceGap(%v/s, %v, duty %v) = %v; want %v", c.rate, c.took, c.duty, got, c.want)
		}
	}
}

// merge writes consecutive broadcasts of ops that follow each other as one frame of ops,
// up to mergedOps, and every other frame as it was, in order.
func TestMerge(t *testing.T) {
	ops := func(from, to int64) outMsg {
		var o []protocol.Committed
		for s := from; s <= to; s++ {
			o = append(o, protocol.Committed{Seq: s, Author: "a", Op: blueprint.Op{Action: blueprint.ActionDelete, Type: blueprint.TypeCard, ID: fmt.Sprint("c", s)}})
		}
		data := protocol.Encode(protocol.Ops{T: protocol.TypeOps, Ops: o})
		return outMsg{frame: textFrame(data), ops: o}
	}
	other := outMsg{data: []byte(`{"t":"presence"}`)}
	since := time.Now()
	first := ops(1, 2)
	first.since = since
	jobs := []fanJob{{m: first}, {m: ops(3, 3)}, {m: other}, {m: ops(4, 4)}, {m: ops(6, 6)}, {m: ops(7, 5+mergedOps)}, {m: ops(6+mergedOps, 6+mergedOps)}}
	m := merge(jobs)
	if !m.m.since.Equal(since) {
		t.Errorf("since %v; want the first broadcast's, %v", m.m.since, since)
	}
	var got []string
	for b := m.m.frame; len(b) > 0; {
		if b[0] != 0x81 {
			t.Fatalf("frame starts with %#x", b[0])
		}
		n, h := int(b[1]), 2
		switch n {
		case 126:
			n, h = int(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			n, h = int(binary.BigEndian.Uint64(b[2:])), 10
		}
		payload := b[h : h+n]
		b = b[h+n:]
		var f protocol.Ops
		if err := json.Unmarshal(payload, &f); err != nil || f.T != protocol.TypeOps {
			got = append(got, string(payload))
			continue
		}
		got = append(got, fmt.Sprintf("ops %d-%d (%d)", f.Ops[0].Seq, f.Ops[len(f.Ops)-1].Seq, len(f.Ops)))
	}
	want := []string{"ops 1-3 (3)", `{"t":"presence"}`, "ops 4-4 (1)", fmt.Sprintf("ops 6-%d (%d)", 6+mergedOps-1, mergedOps),
		fmt.Sprintf("ops %d-%d (1)", 6+mergedOps, 6+mergedOps)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
}
