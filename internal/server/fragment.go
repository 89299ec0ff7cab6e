package server

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

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
	variant, shared := s.fragmentVariant(r)
	if !shared {
		v, err := s.boardView(r, b, "")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		render(w, r, http.StatusOK, web.BoardFragment(s.page(r, b.Title), v))
		return
	}
	html, err := s.fragments.get(b.ID, b.Seq, variant, func() ([]byte, error) {
		v, err := s.boardView(r, b, "")
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := web.BoardFragment(s.page(r, b.Title), v).Render(r.Context(), &buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(html)
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
	seq  int64
	html map[string][]byte // variant → render
}

// maxFragmentBoards bounds the boards whose renders are kept; beyond it one is dropped.
const maxFragmentBoards = 64

func (c *fragmentCache) get(board string, seq int64, variant string, render func() ([]byte, error)) ([]byte, error) {
	if html := c.lookup(board, seq, variant); html != nil {
		return html, nil
	}
	v, err, _ := c.flight.Do(board+"/"+strconv.FormatInt(seq, 10)+"/"+variant, func() (any, error) {
		if html := c.lookup(board, seq, variant); html != nil {
			return html, nil
		}
		html, err := render()
		if err != nil {
			return nil, err
		}
		c.store(board, seq, variant, html)
		return html, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

func (c *fragmentCache) lookup(board string, seq int64, variant string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.boards[board]; e != nil && e.seq == seq {
		return e.html[variant]
	}
	return nil
}

func (c *fragmentCache) store(board string, seq int64, variant string, html []byte) {
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
		e = &fragmentRenders{seq: seq, html: map[string][]byte{}}
		c.boards[board] = e
	}
	e.html[variant] = html
}
