// Package mail e-mails people their mentions and replies, batched: one mail per person
// per round (every few minutes) with what came since, and an unsubscribe link. It is off
// unless an SMTP host is configured; then a mail that cannot be sent is tried again at
// the next round, and nothing else waits for it.
//
// The notifications are written with the commit of the op that makes them (see
// postgres.Store.SendMail): a mail goes out at least once for every mention or reply
// acknowledged, even if the process stops between the commit and the mail.
package mail

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
)

// Config is how to reach the SMTP server and what the mails link to.
type Config struct {
	Host     string // LASTMILE_SMTP_HOST; empty: no mail at all
	Port     int    // LASTMILE_SMTP_PORT, 587 by default
	Username string // LASTMILE_SMTP_USERNAME; with Password, PLAIN authentication (over TLS, or to localhost)
	Password string // LASTMILE_SMTP_PASSWORD
	From     string // LASTMILE_SMTP_FROM, the sender's address
	BaseURL  string // LASTMILE_PUBLIC_URL: the address people open lastmile at, for the links
	Lang     string // LASTMILE_MAIL_LANG: en (default) or fr
	Every    time.Duration
}

// Store is what the mailer needs from storage.
type Store interface {
	// SendMail hands each user's mentions and replies not mailed yet to send, and marks
	// them mailed when send returns nil (see postgres.Store.SendMail).
	SendMail(ctx context.Context, allowed func(ctx context.Context, boardID, userID string) bool, send func(blueprint.NoticeMail) error) (int, error)
}

// Mailer sends the mails. Its zero value is not usable: see New.
type Mailer struct {
	cfg     Config
	store   Store
	allowed func(ctx context.Context, boardID, userID string) bool
	catalog *i18n.Catalog
	key     []byte
	log     *slog.Logger
}

// New returns a mailer. key signs the unsubscribe links (the instance's secret); allowed
// says whether a user may still see a board (a mail never names a board they may not).
func New(cfg Config, store Store, allowed func(ctx context.Context, boardID, userID string) bool, catalog *i18n.Catalog, key []byte, log *slog.Logger) *Mailer {
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Every <= 0 {
		cfg.Every = 2 * time.Minute
	}
	if cfg.Lang == "" {
		cfg.Lang = "en"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if log == nil {
		log = slog.Default()
	}
	return &Mailer{cfg: cfg, store: store, allowed: allowed, catalog: catalog, key: key, log: log}
}

// Run sends a round of mails every Config.Every until ctx ends. A panic in a round is
// logged with its stack and ends that round only.
func (m *Mailer) Run(ctx context.Context) {
	tick := time.NewTicker(m.cfg.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			m.round(ctx)
		}
	}
}

func (m *Mailer) round(ctx context.Context) {
	defer func() {
		if v := recover(); v != nil {
			m.log.Error("panic while sending mail", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	if n, err := m.Flush(ctx); err != nil {
		m.log.Warn("sending mail", "sent", n, "err", err)
	}
}

// Flush sends one round now: one mail per person with their mentions and replies not
// mailed yet. It returns how many mails were sent.
func (m *Mailer) Flush(ctx context.Context) (int, error) {
	return m.store.SendMail(ctx, m.allowed, m.send)
}

// send writes one mail and hands it to the SMTP server.
func (m *Mailer) send(n blueprint.NoticeMail) error {
	msg := m.Message(n)
	var a smtp.Auth
	if m.cfg.Username != "" {
		a = smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, m.cfg.Host)
	}
	addr := net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port))
	if err := smtp.SendMail(addr, a, m.cfg.From, []string{n.Email}, msg); err != nil {
		return fmt.Errorf("mail to user %s: %w", n.UserID, err)
	}
	return nil
}

// Message returns the mail of n, headers and body (text, quoted-printable).
func (m *Mailer) Message(n blueprint.NoticeMail) []byte {
	l := m.catalog.For(m.cfg.Lang)
	unsubscribe := m.cfg.BaseURL + "/unsubscribe?t=" + url.QueryEscape(m.Token(n.UserID))
	var body bytes.Buffer
	for _, it := range n.Items {
		id := "mail.reply"
		if it.Kind == blueprint.NoticeMention {
			id = "mail.mention"
		}
		body.WriteString(l.TD(id, map[string]any{"Name": oneLine(it.Author), "Board": oneLine(it.BoardTitle)}) + "\n")
		body.WriteString(m.cfg.BaseURL + "/boards/" + url.PathEscape(it.Board) + "\n\n")
	}
	body.WriteString("-- \n" + l.TD("mail.unsubscribe", map[string]any{"URL": unsubscribe}) + "\n")
	var out bytes.Buffer
	header := func(k, v string) { out.WriteString(k + ": " + v + "\r\n") }
	header("From", m.cfg.From)
	header("To", n.Email)
	header("Subject", mime.QEncoding.Encode("utf-8", l.N("mail.subject", len(n.Items))))
	header("Date", time.Now().UTC().Format(time.RFC1123Z))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("List-Unsubscribe", "<"+unsubscribe+">")
	header("Auto-Submitted", "auto-generated")
	out.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&out)
	_, _ = qp.Write(bytes.ReplaceAll(body.Bytes(), []byte("\n"), []byte("\r\n")))
	_ = qp.Close()
	return out.Bytes()
}

// oneLine keeps a name on one line: a name is user text, and a line break in it could
// start a line of its own in the mail.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Token returns the signed token of a user's unsubscribe link.
func (m *Mailer) Token(userID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(userID)) + "." + base64.RawURLEncoding.EncodeToString(m.sign(userID))
}

func (m *Mailer) sign(userID string) []byte {
	h := hmac.New(sha256.New, m.key)
	h.Write([]byte("lastmile unsubscribe\x00" + userID))
	return h.Sum(nil)[:16]
}

// Check returns the user an unsubscribe token names, or EINVALID when it was not signed
// by this instance.
func (m *Mailer) Check(token string) (string, error) {
	bad := blueprint.Errorf(blueprint.EINVALID, "this unsubscribe link is not valid: use the link of the latest e-mail")
	id, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", bad
	}
	user, err1 := base64.RawURLEncoding.DecodeString(id)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, m.sign(string(user))) {
		return "", bad
	}
	return string(user), nil
}
