package realtime

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"lastmile/internal/protocol"
)

// fanoutShare is how many connections one goroutine writes a broadcast to: a broadcast to
// more is written by several goroutines at once, one per processor at most.
const fanoutShare = 128

// paceWindow is the time over which a fanout counts a board's broadcasts to a large
// audience, to know whether to pace them; maxHold bounds a broadcast's wait.
const (
	paceWindow = time.Second
	maxHold    = 40 * time.Millisecond
)

// fanJob is one message for one connection (one) or for several (conns).
type fanJob struct {
	one   *conn
	conns []*conn // not changed after the push: the room makes a new list after a change
	m     outMsg
}

// fanout writes what a room sends to its connections, in the order the room sends it,
// so that a frame sent to a connection after a broadcast reaches it after the broadcast.
//
// Every write goes straight to its socket when the socket takes it (conn.enqueue), so a
// broadcast costs one write per follower and nothing else. A small one, when nothing is
// waiting, is written by the room itself, at once: an edit alone on a quiet board waits
// for no other goroutine. A large one, or one sent while others are being written, goes
// to the fanout's goroutine, and the room goes on to its next commit meanwhile: writing
// to a thousand sockets takes milliseconds, which the next edit would otherwise wait.
//
// A busy board followed by many can be paced (Options.FanoutDuty, off by default): when
// one broadcast per commit would keep the writers busy more than that share of the time,
// a broadcast waits until the previous one is that share of the time since it started,
// and goes out with everything committed meanwhile, in one write per socket. A socket
// write costs the same for one frame or several, so the audience gets fewer, larger
// frames, at the price of a wait of at most a few fan-out durations (maxHold): less CPU
// for more latency, which is why it is off unless set. A board whose commits are rare
// enough (an edit alone on a quiet board) is never held.
type fanout struct {
	r    *room
	mu   sync.Mutex
	jobs []fanJob
	busy bool // the goroutine is writing jobs it took
	// rate is how many broadcasts to a large audience were pushed per second, decayed
	// over paceWindow since rateAt; written and writing are how many of them were
	// written and the seconds that took, decayed the same way since writtenAt; holdUntil
	// is when the next may be written, zero when the board is not paced.
	rate      float64
	rateAt    time.Time
	written   float64
	writing   float64
	writtenAt time.Time
	holdUntil time.Time
	idle      *sync.Cond // signalled when jobs is empty and the goroutine not busy
	wake      chan struct{}
	quit      chan struct{}
	done      chan struct{}
}

func newFanout(r *room) *fanout {
	f := &fanout{r: r, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	f.idle = sync.NewCond(&f.mu)
	return f
}

// push sends a job: written now by the caller (the room) when it is small and nothing
// is waiting, else handed to the goroutine.
func (f *fanout) push(j fanJob) {
	f.mu.Lock()
	if len(f.jobs) == 0 && !f.busy && len(j.conns) <= fanoutShare {
		f.mu.Unlock()
		f.write(j)
		return
	}
	if f.paced(j) {
		now := time.Now()
		f.rate = f.rateNow(now) + 1/paceWindow.Seconds()
		f.rateAt = now
	}
	f.jobs = append(f.jobs, j)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// drain waits until every job pushed has been written.
func (f *fanout) drain() {
	f.mu.Lock()
	for len(f.jobs) > 0 || f.busy {
		f.idle.Wait()
	}
	f.mu.Unlock()
}

// stop ends the goroutine once it has written what it was given, and waits for it.
func (f *fanout) stop() {
	close(f.quit)
	<-f.done
}

// run is the fanout's goroutine. A panic in it is logged with its stack, and the jobs it
// had are lost: their connections are closed, to reconnect and catch up.
func (f *fanout) run() {
	defer close(f.done)
	for {
		select {
		case <-f.wake:
			f.writeQueued()
		case <-f.quit:
			f.writeQueued()
			return
		}
	}
}

func (f *fanout) writeQueued() {
	var taken []fanJob
	defer func() {
		if v := recover(); v != nil {
			f.r.hub.log.Error("panic in a room's fan-out; closing the connections it was writing to", "board", f.r.id,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			for _, j := range taken {
				if j.one != nil {
					j.one.closeWith(protocol.CloseInternal, closeInternal)
				}
				for _, c := range j.conns {
					c.closeWith(protocol.CloseInternal, closeInternal)
				}
			}
			f.mu.Lock()
			f.busy = false
			f.idle.Broadcast()
			f.mu.Unlock()
		}
	}()
	for {
		f.mu.Lock()
		if len(f.jobs) == 0 {
			f.busy = false
			f.idle.Broadcast()
			f.mu.Unlock()
			return
		}
		if f.hold() {
			continue
		}
		taken, f.jobs, f.busy = f.jobs, nil, true
		f.mu.Unlock()
		for i := 0; i < len(taken); {
			k := i + 1
			if taken[i].one == nil {
				for k < len(taken) && taken[k].one == nil && sameConns(taken[k].conns, taken[i].conns) {
					k++
				}
			}
			j := merge(taken[i:k])
			start := time.Now()
			f.write(j)
			if f.paced(j) {
				f.pace(start, time.Since(start))
			}
			i = k
		}
	}
}

// paced reports whether j counts for the pace of the board's broadcasts: pacing is on
// (Options.FanoutDuty) and j is a broadcast of committed ops to a large audience.
func (f *fanout) paced(j fanJob) bool {
	return f.r.hub.opts.FanoutDuty > 0 && len(j.conns) > fanoutShare && !j.m.since.IsZero()
}

// rateNow returns the rate of large broadcasts pushed, decayed to now. With f.mu held.
func (f *fanout) rateNow(now time.Time) float64 {
	return f.rate * decay(now.Sub(f.rateAt))
}

// decay is what is left after d of a count decayed over paceWindow.
func decay(d time.Duration) float64 {
	return math.Exp(-d.Seconds() / paceWindow.Seconds())
}

// pace sets when the next broadcast may be written, after one to a large audience that
// started at start and took took to write. It goes by the time a broadcast took on
// average over the last paceWindow, so that one slow write (a pause of the process, a
// busy machine) does not hold the next ones.
func (f *fanout) pace(start time.Time, took time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	k := decay(now.Sub(f.writtenAt))
	f.written, f.writing, f.writtenAt = f.written*k+1, f.writing*k+took.Seconds(), now
	mean := time.Duration(f.writing / f.written * float64(time.Second))
	f.holdUntil = time.Time{}
	if gap := paceGap(f.rateNow(now), mean, f.r.hub.opts.FanoutDuty); gap > 0 {
		f.holdUntil = start.Add(gap)
	}
}

// paceGap returns how long after the start of a broadcast the next one may start, for a
// board pushing rate of them a second, each taking took to write, whose fan-out may be
// busy duty of the time: zero (at once) while rate × took is within duty.
func paceGap(rate float64, took time.Duration, duty float64) time.Duration {
	if duty <= 0 || rate*took.Seconds() <= duty {
		return 0
	}
	return min(time.Duration(float64(took)/duty), maxHold)
}

// hold waits, with f.mu held, until the next broadcast may be written, and reports
// whether it did (f.mu is then unlocked, to be taken again). A stopping fanout does not
// wait, and the broadcasts pushed during a wait go out together after it.
func (f *fanout) hold() bool {
	wait := time.Until(f.holdUntil)
	f.holdUntil = time.Time{}
	if wait <= 0 {
		return false
	}
	f.busy = true
	f.mu.Unlock()
	t := time.NewTimer(wait)
	select {
	case <-t.C:
	case <-f.quit:
		t.Stop()
	}
	f.r.hub.metrics.heldSeconds.Observe(wait.Seconds())
	return true
}

// mergedOps is how many ops a frame made of several broadcasts holds at most, as the
// frames of a catch-up.
const mergedOps = 500

// merge makes one job of broadcasts to the same connections, sent one after the other
// while the goroutine was writing or holding them: their frames, in order, in one write
// to each socket, the ops of consecutive broadcasts of ops in one frame. So a fan-out
// that falls behind, or is paced, catches up by writing more per socket, not more often,
// and each follower has fewer frames to read.
func merge(jobs []fanJob) fanJob {
	if len(jobs) == 1 {
		return jobs[0]
	}
	var out []byte
	var run []fanJob // consecutive broadcasts of ops, following each other
	var ops int
	flush := func() {
		switch len(run) {
		case 0:
		case 1:
			out = append(out, frameOf(run[0].m)...)
		default:
			all := make([]protocol.Committed, 0, ops)
			for _, j := range run {
				all = append(all, j.m.ops...)
			}
			out = append(out, textFrame(protocol.Encode(protocol.Ops{T: protocol.TypeOps, Ops: all}))...)
		}
		run, ops = run[:0], 0
	}
	for _, j := range jobs {
		if j.m.ops == nil {
			flush()
			out = append(out, frameOf(j.m)...)
			continue
		}
		if len(run) > 0 && (ops+len(j.m.ops) > mergedOps || run[len(run)-1].m.lastSeq()+1 != j.m.ops[0].Seq) {
			flush()
		}
		run = append(run, j)
		ops += len(j.m.ops)
	}
	flush()
	m := fanJob{conns: jobs[0].conns, m: outMsg{frame: out}}
	for _, j := range jobs {
		if !j.m.since.IsZero() {
			m.m.since = j.m.since // the delivery of the first, the one that waited longest
			break
		}
	}
	return m
}

// frameOf returns m's frame, made from its data when it has none yet.
func frameOf(m outMsg) []byte {
	if m.frame == nil {
		return textFrame(m.data)
	}
	return m.frame
}

// sameConns reports whether a and b are the same list of connections: the room's list,
// which it makes anew after a change rather than changing it.
func sameConns(a, b []*conn) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// write writes one job, the sockets of a large broadcast shared out among goroutines,
// and drops the connections whose queue is full (dropSlow; their reader then leaves the
// room).
func (f *fanout) write(j fanJob) {
	if j.m.frame == nil {
		j.m.frame = textFrame(j.m.data)
	}
	if j.one != nil {
		if !j.one.enqueue(j.m) {
			j.one.dropSlow("its send queue is full")
		}
		return
	}
	cs := j.conns
	parts := min(runtime.GOMAXPROCS(0), (len(cs)+fanoutShare-1)/fanoutShare)
	if parts <= 1 {
		writeShare(cs, j.m)
		return
	}
	size := (len(cs) + parts - 1) / parts
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		share := cs[p*size : min((p+1)*size, len(cs))]
		wg.Add(1)
		go func() { defer wg.Done(); writeShare(share, j.m) }()
	}
	writeShare(cs[:size], j.m)
	wg.Wait()
}

func writeShare(cs []*conn, m outMsg) {
	for _, c := range cs {
		if !c.enqueue(m) {
			c.dropSlow("its send queue is full")
		}
	}
}

// sendAll sends one message, its frame made once, to every connection of cs, after what
// the room sent before.
func (r *room) sendAll(cs []*conn, m outMsg) {
	if len(cs) == 0 {
		return
	}
	if m.frame == nil {
		m.frame = textFrame(m.data)
	}
	r.out.push(fanJob{conns: cs, m: m})
}

// connList returns the room's connections as a slice, made again after a join or a leave.
func (r *room) connList() []*conn {
	if r.list == nil {
		r.list = make([]*conn, 0, len(r.conns))
		for c := range r.conns {
			r.list = append(r.list, c)
		}
	}
	return r.list
}
