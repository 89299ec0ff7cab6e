package realtime

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the hub's Prometheus instruments.
type Metrics struct {
	rooms         prometheus.Gauge
	conns         prometheus.Gauge
	opsCommitted  prometheus.Counter
	deliveries    prometheus.Counter
	slowDrops     prometheus.Counter
	paced         prometheus.Counter
	commitSeconds prometheus.Histogram
	batchOps      prometheus.Histogram
	waitSeconds   prometheus.Histogram
	writeSeconds  prometheus.Histogram
	remoteSeconds prometheus.Histogram
	heldSeconds   prometheus.Histogram
}

// NewMetrics creates the instruments and registers them with reg, when reg is not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		rooms: prometheus.NewGauge(prometheus.GaugeOpts{Name: "lastmile_rooms", Help: "Boards with a live room in this process."}),
		conns: prometheus.NewGauge(prometheus.GaugeOpts{Name: "lastmile_connections", Help: "Websocket connections in rooms."}),
		opsCommitted: prometheus.NewCounter(prometheus.CounterOpts{Name: "lastmile_ops_committed_total",
			Help: "Ops committed through this process's rooms."}),
		deliveries: prometheus.NewCounter(prometheus.CounterOpts{Name: "lastmile_op_deliveries_total",
			Help: "Ops queued to connections (one op to one connection counts one)."}),
		slowDrops: prometheus.NewCounter(prometheus.CounterOpts{Name: "lastmile_slow_connections_dropped_total",
			Help: "Connections dropped as too slow: their send queue was full, or a write took longer than the write wait."}),
		paced: prometheus.NewCounter(prometheus.CounterOpts{Name: "lastmile_ops_paced_total",
			Help: "Frames of ops held back because their connection sent faster than its op rate."}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lastmile_commit_seconds",
			Help: "Duration of group commits.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		batchOps: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lastmile_commit_batch_ops",
			Help: "Ops per group commit.", Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
		waitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lastmile_op_wait_seconds",
			Help:    "From a frame of ops read off a websocket to the start of the commit that takes them.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16)}),
		writeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lastmile_broadcast_write_seconds",
			Help:    "From the start of a broadcast of committed ops to its frame written to one websocket.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16)}),
		remoteSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lastmile_remote_catchup_seconds",
			Help:    "From another process's announcement of new ops on a board to those ops broadcast to this process's room.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16)}),
		heldSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lastmile_broadcast_held_seconds",
			Help:    "How long a room's fan-out held broadcasts to pace a busy board's large audience (FanoutDuty), each hold counted once.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 10)}),
	}
	if reg != nil {
		reg.MustRegister(m.rooms, m.conns, m.opsCommitted, m.deliveries, m.slowDrops, m.paced, m.commitSeconds, m.batchOps,
			m.waitSeconds, m.writeSeconds, m.remoteSeconds, m.heldSeconds)
	}
	return m
}
