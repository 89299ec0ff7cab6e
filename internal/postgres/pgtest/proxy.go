package pgtest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections to the Postgres server of a database URL. It can go
// down — cutting the connections it holds and closing every new one at once — and come
// back: a database that becomes unreachable, without stopping the server that other tests
// use.
type Proxy struct {
	// URL is the database's URL through the proxy.
	URL string

	target   string // the server's host:port
	ln       net.Listener
	down     atomic.Bool
	attempts atomic.Int64 // connections refused while down

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewProxy starts a proxy to the server of the database at dsn, up. It stops when the
// test ends.
func NewProxy(t testing.TB, dsn string) *Proxy {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: u.Host, ln: ln, conns: map[net.Conn]struct{}{}}
	u.Host = ln.Addr().String()
	p.URL = u.String()
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Down()
		p.wg.Wait()
	})
	return p
}

// Down cuts every connection through the proxy; until Up, each new one is closed as soon
// as it is made, as by a server that has gone away.
func (p *Proxy) Down() {
	p.down.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Up lets connections through again.
func (p *Proxy) Up() { p.down.Store(false) }

// Refused returns how many connections the proxy closed at once while down.
func (p *Proxy) Refused() int64 { return p.attempts.Load() }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			c.Close()
			p.attempts.Add(1)
			continue
		}
		p.forward(c)
	}
}

// forward copies between c and a new connection to the server, both ways.
func (p *Proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.down.Load() { // went down meanwhile
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	for _, pair := range [][2]net.Conn{{c, up}, {up, c}} {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(pair[0], pair[1])
			pair[0].Close()
			pair[1].Close()
			p.mu.Lock()
			delete(p.conns, pair[0])
			delete(p.conns, pair[1])
			p.mu.Unlock()
		}()
	}
}
