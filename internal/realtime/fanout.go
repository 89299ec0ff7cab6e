package realtime

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"

	"lastmile/internal/protocol"
)

// fanoutShare is how many connections one goroutine writes a broadcast to: a broadcast to
// more is written by several goroutines at once, one per processor at most.
const fanoutShare = 128

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
type fanout struct {
	r    *room
	mu   sync.Mutex
	jobs []fanJob
	busy bool       // the goroutine is writing jobs it took
	idle *sync.Cond // signalled when jobs is empty and the goroutine not busy
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
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
		taken, f.jobs, f.busy = f.jobs, nil, true
		f.mu.Unlock()
		for i := 0; i < len(taken); {
			k := i + 1
			if taken[i].one == nil {
				for k < len(taken) && taken[k].one == nil && sameConns(taken[k].conns, taken[i].conns) {
					k++
				}
			}
			f.write(merge(taken[i:k]))
			i = k
		}
	}
}

// merge makes one job of broadcasts to the same connections, sent one after the other
// while the goroutine was writing: their frames, in order, in one write to each socket.
// So a fan-out that falls behind catches up by writing more per socket, not more often.
func merge(jobs []fanJob) fanJob {
	if len(jobs) == 1 {
		return jobs[0]
	}
	n := 0
	for _, j := range jobs {
		if j.m.frame == nil {
			j.m.frame = textFrame(j.m.data)
		}
		n += len(j.m.frame)
	}
	m := fanJob{conns: jobs[0].conns, m: outMsg{frame: make([]byte, 0, n)}}
	for _, j := range jobs {
		if j.m.frame == nil {
			j.m.frame = textFrame(j.m.data)
		}
		m.m.frame = append(m.m.frame, j.m.frame...)
		if m.m.since.IsZero() {
			m.m.since = j.m.since // the delivery of the first, the one that waited longest
		}
	}
	return m
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
