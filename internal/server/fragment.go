package server

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"golang.org/x/sync/singleflight"

	"lastmile/internal/auth"
	"lastmile/web"
)

// handleBoardFragment serves GET /boards/{id}/fragment: the board alone, rendered by the
// same components as the board page, with its team colours. The live page fetches it when
// ops arrive and swaps it in, so that no markup is written twice.
//
// Every open page fetches it after each burst of ops, so the render is kept (see
// fragmentCache): a room full of viewers costs one render per sequence and variant.
func (s *Server) handleBoardFragment(w http.ResponseWriter, r *http.Request) {
	b := boardFrom(r)
	w.Header().Set("Cache-Control", "no-store")
	component := func() (templ.Component, error) {
		v, err := s.boardView(r, b, "")
		if err != nil {
			return nil, err
		}
		return web.BoardFragment(s.page(r, b.Title), v), nil
	}
	variant, shared := s.fragmentVariant(r)
	if !shared {
		c, err := component()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		render(w, r, http.StatusOK, c)
		return
	}
	f, err := s.fragments.get(b.ID, b.Seq, variant, func() (*fragment, error) {
		c, err := component()
		if err != nil {
			return nil, err
		}
		var html, gz bytes.Buffer
		if err := c.Render(r.Context(), &html); err != nil {
			return nil, err
		}
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed) // the level is valid
		_, _ = zw.Write(html.Bytes())
		if err := zw.Close(); err != nil {
			return nil, err
		}
		return &fragment{html: html.Bytes(), gz: gz.Bytes()}, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	body := f.html
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// fragment is one render of the board fragment, plain and gzipped.
type fragment struct{ html, gz []byte }

// acceptsGzip tells whether r's Accept-Encoding names gzip (as the compress middleware
// reads it: quality values are not weighed).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, _, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			return true
		}
	}
	return false
}

// fragmentVariant names what, beyond the board, the fragment shown to r depends on: its
// language and role. shared is false for those who see more than the board (the share
// links and members panels of a facilitator): theirs is rendered each time.
func (s *Server) fragmentVariant(r *http.Request) (variant string, shared bool) {
	acc := accessFrom(r)
	if s.accounts != nil && (auth.Can(acc.Role, auth.ManageLinks) || auth.Can(acc.Role, auth.ManageMembers)) {
		return "", false
	}
	return localizer(r).Lang() + "/" + string(acc.Role) + "/" + strconv.FormatBool(acc.Open), true
}

// fragmentCache keeps, per board, the rendered fragments of its latest sequence, one per
// variant. A board changes only through ops, so a render at a sequence never goes stale;
// a later sequence replaces the board's renders. Concurrent requests for the same render
// wait for one.
type fragmentCache struct {
	mu     sync.Mutex
	boards map[string]*fragmentRenders
	flight singleflight.Group
}

type fragmentRenders struct {
	seq     int64
	renders map[string]*fragment // variant → render
}

// maxFragmentBoards bounds the boards whose renders are kept (a 300-card board's render is
// about 200 kB with its gzipped copy, per language and role); beyond it one is dropped.
const maxFragmentBoards = 16

func (c *fragmentCache) get(board string, seq int64, variant string, render func() (*fragment, error)) (*fragment, error) {
	if f := c.lookup(board, seq, variant); f != nil {
		return f, nil
	}
	v, err, _ := c.flight.Do(board+"/"+strconv.FormatInt(seq, 10)+"/"+variant, func() (any, error) {
		if f := c.lookup(board, seq, variant); f != nil {
			return f, nil
		}
		f, err := render()
		if err != nil {
			return nil, err
		}
		c.store(board, seq, variant, f)
		return f, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*fragment), nil
}

func (c *fragmentCache) lookup(board string, seq int64, variant string) *fragment {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.boards[board]; e != nil && e.seq == seq {
		return e.renders[variant]
	}
	return nil
}

func (c *fragmentCache) store(board string, seq int64, variant string, f *fragment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.boards[board]
	switch {
	case e != nil && e.seq > seq: // a newer render is kept already
		return
	case e == nil || e.seq < seq:
		if c.boards == nil {
			c.boards = map[string]*fragmentRenders{}
		}
		if e == nil && len(c.boards) >= maxFragmentBoards {
			for id := range c.boards {
				delete(c.boards, id)
				break
			}
		}
		e = &fragmentRenders{seq: seq, renders: map[string]*fragment{}}
		c.boards[board] = e
	}
	e.renders[variant] = f
}
