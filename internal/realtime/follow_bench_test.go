package realtime

import (
	"fmt"
	"testing"

	"lastmile/internal/blueprint"
	"lastmile/internal/protocol"
)

// BenchmarkRelayView measures what a followed page's view frame costs the server: the
// room finds the followers among its connections, encodes the frame once and queues it
// for each follower. A room of 200 connections where some follow one person; the rest,
// who follow nobody, cost a comparison each. Run with
// go test -run '^$' -bench RelayView ./internal/realtime/
func BenchmarkRelayView(b *testing.B) {
	for _, followers := range []int{1, 10, 50, 199} {
		b.Run(fmt.Sprintf("followers=%d", followers), func(b *testing.B) {
			h := NewHub(nil, nil, nil, nil, Options{})
			r := newRoom(h, "b", 0, blueprint.Facilitation{})
			leader := newConn(h, nil, "b", Participant{Name: "Ana"})
			r.conns[leader] = struct{}{}
			var fs []*conn
			for i := range 199 {
				c := newConn(h, nil, "b", Participant{Name: fmt.Sprint("P", i)})
				r.conns[c] = struct{}{}
				if i < followers {
					c.following = leader
					fs = append(fs, c)
				}
			}
			v := protocol.View{X: 812.5, Y: 240, Zoom: 0.8}
			size := len(protocol.Encode(protocol.ViewFrame{T: protocol.TypeView, Conn: leader.id, View: v}))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				v.X = float64(i % 1000)
				r.relayView(leader, v)
				for _, c := range fs {
					c.queue = c.queue[:0]
				}
			}
			b.ReportMetric(float64(size), "bytes/frame")
		})
	}
}
