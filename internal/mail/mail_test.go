package mail_test

import (
	"bufio"
	"context"
	"io"
	"mime/quotedprintable"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
	"lastmile/internal/mail"
	"lastmile/internal/postgres"
	"lastmile/internal/postgres/pgtest"
)

// smtpServer is the least of an SMTP server: it takes every mail and keeps it.
type smtpServer struct {
	addr string
	mu   sync.Mutex
	got  []received
}

type received struct {
	from, to string
	data     string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpServer{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 test ESMTP")
	var r received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250 test")
		case "MAIL":
			r = received{from: line}
			_ = tp.PrintfLine("250 ok")
		case "RCPT":
			r.to = line
			_ = tp.PrintfLine("250 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go on")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			r.data = string(data)
			s.mu.Lock()
			s.got = append(s.got, r)
			s.mu.Unlock()
			_ = tp.PrintfLine("250 kept")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("250 ok")
		}
	}
}

func (s *smtpServer) take() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.got
	s.got = nil
	return out
}

// body decodes a mail's quoted-printable body.
func body(t *testing.T, data string) string {
	t.Helper()
	_, b, _ := strings.Cut(data, "\n\n") // the DATA reader gives lines ending in \n
	out, err := io.ReadAll(quotedprintable.NewReader(bufio.NewReader(strings.NewReader(b))))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestMentionsAndRepliesAreMailed: the mentions and replies of a round go in one mail per
// person, once, to members of the board only, with a signed unsubscribe link that works.
func TestMentionsAndRepliesAreMailed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	mustUser := func(email string) string {
		u, err := store.CreateUser(ctx, email, "x")
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	ana, bo, zed := mustUser("ana@example.org"), mustUser("bo@example.org"), mustUser("zed@example.org")
	b, err := store.CreateBoard(ctx, "Vélo <repair>", blueprint.TemplateBlank, "test", []blueprint.Op{
		{Action: blueprint.ActionCreate, Type: blueprint.TypeStage, ID: "s1", Fields: blueprint.Fields{Order: ptr("V")}}})
	if err != nil {
		t.Fatal(err)
	}
	boardID := b.ID
	for _, m := range []struct {
		id   string
		role auth.Role
	}{{ana, auth.Facilitator}, {bo, auth.Commenter}} {
		if err := store.AddMember(ctx, b.ID, m.id, m.role); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	comment := func(by, name string, f blueprint.Fields) {
		t.Helper()
		n++
		op := blueprint.Op{Action: blueprint.ActionCreate, Type: blueprint.TypeComment, ID: "m" + string(rune('a'+n)), Fields: f}
		res, err := store.ApplyEdits(ctx, b.ID, []blueprint.Edit{{Author: name, By: "u:" + by, Op: op}})
		if err != nil || res[0].Err != nil {
			t.Fatalf("%v %+v", err, res)
		}
	}
	text := "@Ana @Zed"
	comment(bo, "Bo\nSubject: forged", blueprint.Fields{Anchor: &blueprint.Anchor{Stage: "s1"}, Text: &text, Mentions: &[]string{"u:" + ana, "u:" + zed}})
	comment(ana, "Ana", blueprint.Fields{Parent: ptr("mb"), Text: ptr("Yes")})

	srv := startSMTP(t)
	host, port, _ := net.SplitHostPort(srv.addr)
	p, _ := strconv.Atoi(port)
	cfg := mail.Config{Host: host, Port: p, From: "lastmile@example.org", BaseURL: "https://lastmile.example.org/"}
	allowed := func(ctx context.Context, boardID, userID string) bool {
		acc, err := store.ResolveAccess(ctx, boardID, userID, nil)
		return err == nil && auth.Can(acc.Role, auth.View)
	}
	key, err := store.Secret(ctx, "unsubscribe")
	if err != nil {
		t.Fatal(err)
	}
	m := mail.New(cfg, store, allowed, i18n.MustCatalog(), key, nil)

	sent, err := m.Flush(ctx)
	if err != nil || sent != 2 {
		t.Fatalf("first round: %d mails, %v; want 2 (Ana's mention, Bo's reply)", sent, err)
	}
	got := srv.take()
	byTo := map[string]string{}
	for _, r := range got {
		byTo[r.to] = r.data
	}
	anaMail, boMail := byTo["RCPT TO:<ana@example.org>"], byTo["RCPT TO:<bo@example.org>"]
	if anaMail == "" || boMail == "" || len(got) != 2 {
		t.Fatalf("mails to %v; want one to Ana and one to Bo, none to Zed, who is no member", byTo)
	}
	if b := body(t, anaMail); !strings.Contains(b, "Bo Subject: forged mentioned you on “Vélo <repair>”") ||
		!strings.Contains(b, "https://lastmile.example.org/boards/"+boardID) {
		t.Errorf("Ana's mail says:\n%s", b)
	}
	if strings.Contains(anaMail, "\nSubject: forged") {
		t.Error("a name started a header of its own")
	}
	if !strings.Contains(body(t, boMail), "Ana replied in a thread of yours") {
		t.Errorf("Bo's mail says:\n%s", body(t, boMail))
	}
	if !strings.Contains(anaMail, "Subject: 1 new mention or reply on lastmile") {
		t.Errorf("subject of one item: %s", anaMail[:strings.Index(anaMail, "\n\n")])
	}

	// Nothing twice; two new ones in one mail.
	if sent, err := m.Flush(ctx); err != nil || sent != 0 || len(srv.take()) != 0 {
		t.Fatalf("second round sent %d (%v); want none", sent, err)
	}
	comment(bo, "Bo", blueprint.Fields{Anchor: &blueprint.Anchor{Stage: "s1"}, Text: ptr("@Ana"), Mentions: &[]string{"u:" + ana}})
	comment(bo, "Bo", blueprint.Fields{Anchor: &blueprint.Anchor{Stage: "s1"}, Text: ptr("@Ana again"), Mentions: &[]string{"u:" + ana}})
	if sent, err := m.Flush(ctx); err != nil || sent != 1 {
		t.Fatalf("third round sent %d (%v); want one mail for both mentions", sent, err)
	}
	batch := srv.take()[0].data
	if !strings.Contains(batch, "Subject: 2 new mentions and replies on lastmile") {
		t.Errorf("subject of two items: %s", batch)
	}

	// The unsubscribe link: signed, and it stops the mail.
	if _, err := m.Check(m.Token(ana) + "x"); blueprint.ErrorCode(err) != blueprint.EINVALID {
		t.Errorf("a tampered token: %v", err)
	}
	user, err := m.Check(m.Token(ana))
	if err != nil || user != ana {
		t.Fatalf("Check = %q, %v", user, err)
	}
	if !strings.Contains(body(t, batch), "/unsubscribe?t=") {
		t.Error("the mail has no unsubscribe link")
	}
	if err := store.Unsubscribe(ctx, ana); err != nil {
		t.Fatal(err)
	}
	comment(bo, "Bo", blueprint.Fields{Anchor: &blueprint.Anchor{Stage: "s1"}, Text: ptr("@Ana?"), Mentions: &[]string{"u:" + ana}})
	if sent, err := m.Flush(ctx); err != nil || sent != 0 || len(srv.take()) != 0 {
		t.Errorf("after unsubscribing: %d mails (%v)", sent, err)
	}
	// The notification is still there, in the app.
	list, unread, err := store.Notifications(ctx, "u:"+ana, 10, true)
	if err != nil || unread != 4 || len(list) != 4 || list[0].Kind != blueprint.NoticeMention {
		t.Errorf("Ana's notifications: %d unread, %+v, %v", unread, list, err)
	}
}

func ptr[T any](v T) *T { return &v }

// FuzzCheck: any token is the signed name of a user or refused, never a panic; a token
// made by Token always checks.
func FuzzCheck(f *testing.F) {
	m := mail.New(mail.Config{Host: "localhost"}, nil, nil, i18n.MustCatalog(), []byte("key"), nil)
	for _, s := range []string{m.Token("u1"), "", ".", "a.b", m.Token("") + "=", "%%.%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		if user, err := m.Check(token); err == nil && m.Token(user) != token {
			t.Fatalf("%q checks as %q, whose token is %q", token, user, m.Token(user))
		}
		if user, err := m.Check(m.Token(token)); err != nil || user != token {
			t.Fatalf("the token of %q checks as %q, %v", token, user, err)
		}
	})
}
