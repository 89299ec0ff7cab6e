package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lastmile/internal/auth"
	"lastmile/internal/i18n"
	"lastmile/internal/mail"
	"lastmile/internal/postgres"
	"lastmile/internal/printer"
	"lastmile/internal/realtime"
	"lastmile/internal/server"
	"lastmile/internal/webhook"
)

// Main is the program: main() only handles signals, Main.Run does the wiring, so that
// tests can start the real program on port 0 against a test database.
type Main struct {
	Stdin          io.Reader // nil means the process's standard input
	Stdout, Stderr io.Writer
	Getenv         func(string) string

	listening chan struct{}
	addr      string
}

// NewMain returns a Main reading the process's environment.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, listening: make(chan struct{})}
}

// Addr waits until the server listens and returns its address.
func (m *Main) Addr() string {
	<-m.listening
	return m.addr
}

// Run runs the subcommand named by args[0] (serve when there is none) until ctx ends.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return m.serve(ctx, args)
	case "migrate":
		return m.migrate(args)
	case "bench":
		return m.bench(ctx, args)
	case "user":
		return m.user(ctx, args)
	case "help", "-h", "--help":
		fmt.Fprintln(m.Stdout, "usage: lastmile [serve|migrate up|down|version|user add EMAIL|bench] [flags]")
		return nil
	}
	return fmt.Errorf("unknown command %q: expected serve, migrate, user or bench", cmd)
}

func (m *Main) env(name, def string) string {
	if v := m.Getenv(name); v != "" {
		return v
	}
	return def
}

func (m *Main) logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.env("LASTMILE_LOG_LEVEL", "info"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
}

// Timing of shutdown.
const (
	shutdownTimeout   = 15 * time.Second
	readHeaderTimeout = 10 * time.Second
)

func (m *Main) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addr := fs.String("addr", m.env("LASTMILE_ADDR", ":8080"), "address to listen on (LASTMILE_ADDR)")
	dsn := fs.String("database-url", m.Getenv("DATABASE_URL"), "postgres:// URL of the database (DATABASE_URL)")
	autoMigrate := fs.Bool("migrate", m.env("LASTMILE_MIGRATE", "true") == "true", "apply pending migrations at start (LASTMILE_MIGRATE)")
	anonymousEnv := m.env("LASTMILE_ANONYMOUS_BOARDS", "true")
	anonymousDefault, err := strconv.ParseBool(anonymousEnv)
	if err != nil {
		return fmt.Errorf("LASTMILE_ANONYMOUS_BOARDS is %q: expected true or false", anonymousEnv)
	}
	anonymous := fs.Bool("anonymous-boards", anonymousDefault, "let people without an account make unlisted boards (LASTMILE_ANONYMOUS_BOARDS)")
	signUp := fs.String("signup", m.env("LASTMILE_SIGNUP", "open"), "open: anyone may sign up; closed: accounts are made with `lastmile user add` (LASTMILE_SIGNUP)")
	hashSlots := fs.Int("hash-concurrency", 0, "password hashes run at once, 64 MiB each; 0 sizes it to memory and processors (LASTMILE_HASH_CONCURRENCY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *signUp != "open" && *signUp != "closed" {
		return fmt.Errorf("LASTMILE_SIGNUP is %q: expected open or closed", *signUp)
	}
	if v := m.Getenv("LASTMILE_HASH_CONCURRENCY"); v != "" && *hashSlots == 0 {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("LASTMILE_HASH_CONCURRENCY is %q: expected a whole number of at least 1", v)
		}
		*hashSlots = n
	}
	if *hashSlots <= 0 {
		*hashSlots = auth.GateSize(memoryLimit(), runtime.NumCPU())
	}
	proxies, err := parseProxies(m.Getenv("LASTMILE_TRUSTED_PROXIES"))
	if err != nil {
		return err
	}
	exportCfg, err := m.exportConfig()
	if err != nil {
		return err
	}
	rtOpts, err := m.realtimeOptions()
	if err != nil {
		return err
	}
	if *dsn == "" {
		return errors.New("DATABASE_URL is not set: give the postgres:// URL of the database (`make run` starts a local one)")
	}
	log := m.logger()

	if err := m.checkSchema(*dsn, *autoMigrate); err != nil {
		return err
	}
	pool, err := postgres.OpenLogged(ctx, *dsn, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := postgres.NewStore(pool)
	catalog, err := i18n.NewCatalog()
	if err != nil {
		return err
	}

	// Live collaboration: a hub of rooms, told of other processes' commits through
	// Postgres notifications.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	notifier := postgres.NewNotifier(pool, log)
	hub := realtime.NewHub(store, notifier, log, realtime.NewMetrics(reg), rtOpts)
	bg, stopBackground := context.WithCancel(context.Background())
	var background sync.WaitGroup
	background.Add(2)
	go func() { defer background.Done(); notifier.Run(bg) }()
	listen := postgres.Handlers{
		Ops: hub.Notify,
		// Notifications may have been missed: rooms read the log again, and sockets whose
		// access may have been revoked meanwhile reconnect through a fresh check.
		Resync: func() { hub.Resync(); hub.Reauthorize() },
		// A lock, timer, vote, focus or private mode set through another process.
		Facilitation: hub.FacilitationChanged,
		Access: func(board, kind, id string, changedAt time.Time) {
			switch kind {
			case postgres.AccessGrant:
				hub.Revoke(board, id)
			case postgres.AccessBoard:
				hub.CloseBoard(board, id == postgres.BoardDeleted)
			default:
				hub.RevokeMember(board, id, changedAt)
			}
		},
	}
	go func() { defer background.Done(); postgres.Listen(bg, *dsn, log, listen) }()
	defer func() { stopBackground(); background.Wait() }()

	// E-mail of mentions and replies, only when an SMTP server is given.
	mailer, err := m.mailer(ctx, store, catalog, log)
	if err != nil {
		return err
	}
	var unsubscribe func(string) (string, error)
	if mailer != nil {
		unsubscribe = mailer.Check
		background.Add(1)
		go func() { defer background.Done(); mailer.Run(bg) }()
	}

	// Outgoing webhooks: the worker fills their outbox from the op log and sends it; it
	// stops with the other background work.
	privateHooks, err := strconv.ParseBool(m.env("LASTMILE_WEBHOOKS_PRIVATE", "false"))
	if err != nil {
		return fmt.Errorf("LASTMILE_WEBHOOKS_PRIVATE is %q: expected true or false", m.Getenv("LASTMILE_WEBHOOKS_PRIVATE"))
	}
	hooks := &webhook.Worker{Store: store, Boards: store, Log: log, AllowPrivate: privateHooks}
	background.Add(1)
	go func() { defer background.Done(); hooks.Run(bg) }()

	// PDF and PNG exports, rendered by a headless Chromium when the machine has one; it
	// starts with the first export.
	pr := printerOf(exportCfg, log)
	var exports server.Printer
	if pr != nil {
		defer pr.Close()
		exports = printerExports{pr}
	}

	srv := server.New(server.Config{
		Printer: exports, SelfURL: func() string { return selfURL(m.addr) },
		Boards: store, Editor: hub, Catalog: catalog, Logger: log, AllowPrivateWebhooks: privateHooks,
		Accounts: store, HashSlots: *hashSlots, SignUpClosed: *signUp == "closed", AccountRequired: !*anonymous,
		TrustedProxies: proxies, Unsubscribe: unsubscribe,
		// Access taken away closes this process's sockets at once, and every other
		// process's through a notification.
		Revoke: func(boardID, grantID string) {
			hub.Revoke(boardID, grantID)
			notifier.PublishAccess(context.Background(), boardID, postgres.AccessGrant, grantID, time.Time{})
		},
		RevokeMember: func(boardID, userID string, changedAt time.Time) {
			hub.RevokeMember(boardID, userID, changedAt)
			notifier.PublishAccess(context.Background(), boardID, postgres.AccessUser, userID, changedAt)
		},
		CloseBoard: func(boardID string, gone bool) {
			hub.CloseBoard(boardID, gone)
			what := postgres.BoardClaimed
			if gone {
				what = postgres.BoardDeleted
			}
			notifier.PublishAccess(context.Background(), boardID, postgres.AccessBoard, what, time.Time{})
		},
		Metrics:        promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		AllowedOrigins: splitList(m.Getenv("LASTMILE_ORIGINS")),
		Live: func(ws *websocket.Conn, boardID string, who server.Participant) {
			hub.Serve(ws, boardID, realtime.Participant{Name: who.Name, Role: who.Role, CanEdit: who.CanEdit,
				CanComment: who.CanComment, By: who.By, Moderator: who.Moderator, GrantID: who.GrantID, UserID: who.UserID, Open: who.Open, AuthorizedAt: who.AuthorizedAt, Localize: who.Localize})
		},
		Ready: func(ctx context.Context) error {
			if err := store.Ping(ctx); err != nil {
				return fmt.Errorf("database unreachable: %w", err)
			}
			return store.CheckSchema(ctx)
		},
	})

	if pa := m.Getenv("LASTMILE_PPROF_ADDR"); pa != "" {
		stop, err := servePprof(pa, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	m.addr = ln.Addr().String()
	close(m.listening)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: readHeaderTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("lastmile listening", "addr", m.addr, "signup", *signUp, "anonymous_boards", *anonymous, "hash_concurrency", *hashSlots,
		"trusted_proxies", fmt.Sprint(proxies))

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	srv.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Rooms first: they commit what they were handed and close sockets with 1012; then
	// the HTTP server waits for requests in flight.
	if err := hub.Shutdown(sctx); err != nil {
		log.Warn("rooms did not stop in time", "err", err)
	}
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// mailer returns the mailer of mentions and replies the LASTMILE_SMTP_* settings ask for,
// or nil without LASTMILE_SMTP_HOST: then nothing is sent, and nothing fails for it.
func (m *Main) mailer(ctx context.Context, store *postgres.Store, catalog *i18n.Catalog, log *slog.Logger) (*mail.Mailer, error) {
	cfg := mail.Config{Host: m.Getenv("LASTMILE_SMTP_HOST"), Username: m.Getenv("LASTMILE_SMTP_USERNAME"),
		Password: m.Getenv("LASTMILE_SMTP_PASSWORD"), From: m.Getenv("LASTMILE_SMTP_FROM"),
		BaseURL: m.Getenv("LASTMILE_PUBLIC_URL"), Lang: m.env("LASTMILE_MAIL_LANG", "en")}
	if cfg.Host == "" {
		return nil, nil
	}
	if v := m.Getenv("LASTMILE_SMTP_PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("LASTMILE_SMTP_PORT is %q: expected a port number", v)
		}
		cfg.Port = n
	}
	if cfg.From == "" || !strings.HasPrefix(cfg.BaseURL, "http") {
		return nil, errors.New("LASTMILE_SMTP_HOST is set: set LASTMILE_SMTP_FROM (the sender's address) and LASTMILE_PUBLIC_URL (https://… where people open lastmile, for the links of the mails) too")
	}
	if cfg.Lang != "en" && cfg.Lang != "fr" {
		return nil, fmt.Errorf("LASTMILE_MAIL_LANG is %q: expected en or fr", cfg.Lang)
	}
	key, err := store.Secret(ctx, "unsubscribe")
	if err != nil {
		return nil, err
	}
	allowed := func(ctx context.Context, boardID, userID string) bool {
		acc, err := store.ResolveAccess(ctx, boardID, userID, nil)
		return err == nil && auth.Can(acc.Role, auth.View)
	}
	log.Info("e-mail of mentions and replies", "smtp", cfg.Host, "from", cfg.From)
	return mail.New(cfg, store, allowed, catalog, key, log), nil
}

// realtimeOptions reads the settings of the rooms: LASTMILE_FANOUT_DUTY, the share of
// the time a busy board's fan-out to a large audience may take before its broadcasts are
// paced (docs/performance.md); unset or off, never.
func (m *Main) realtimeOptions() (realtime.Options, error) {
	var o realtime.Options
	switch v := m.Getenv("LASTMILE_FANOUT_DUTY"); v {
	case "", "off":
	default:
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || !(d >= 0.05 && d <= 1) {
			return o, fmt.Errorf("LASTMILE_FANOUT_DUTY is %q: expected a share of the time from 0.05 to 1, like 0.25, or off", v)
		}
		o.FanoutDuty = d
	}
	return o, nil
}

// exportConfig reads the settings of the PDF and PNG exports' renderer.
func (m *Main) exportConfig() (printer.Config, error) {
	cfg := printer.Config{Path: m.Getenv("LASTMILE_CHROMIUM"), Slots: printer.DefaultSlots, Timeout: printer.DefaultTimeout}
	if v := m.Getenv("LASTMILE_EXPORT_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return cfg, fmt.Errorf("LASTMILE_EXPORT_CONCURRENCY is %q: expected a whole number from 1 to 64", v)
		}
		cfg.Slots = n
	}
	if v := m.Getenv("LASTMILE_EXPORT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 10*time.Minute {
			return cfg, fmt.Errorf("LASTMILE_EXPORT_TIMEOUT is %q: expected a duration from 1s to 10m, like 60s", v)
		}
		cfg.Timeout = d
	}
	return cfg, nil
}

// printerOf returns the renderer of PDF and PNG exports: the Chromium of LASTMILE_CHROMIUM,
// else one on PATH; nil without one, and the exports then say they are not available.
func printerOf(cfg printer.Config, log *slog.Logger) *printer.Printer {
	path, err := printer.Find(cfg.Path)
	if err != nil {
		log.Warn("PDF and PNG exports off: no Chromium to render them (set LASTMILE_CHROMIUM)", "err", err)
		return nil
	}
	cfg.Path, cfg.Logger = path, log
	log.Info("PDF and PNG exports by Chromium, started at the first export", "chromium", path,
		"concurrency", cfg.Slots, "timeout", cfg.Timeout.String())
	return printer.New(cfg)
}

// printerExports is the server's Printer: internal/printer's, whose Job has the fields
// of server.PrintJob.
type printerExports struct{ p *printer.Printer }

func (e printerExports) Print(ctx context.Context, job server.PrintJob) ([]byte, error) {
	return e.p.Print(ctx, printer.Job(job))
}

// Available says whether the browser may render (it did not fail to start).
func (e printerExports) Available() bool { return e.p.Available() }

// selfURL is the address at which the export's browser reaches this server, on this
// machine: the address listened on, or loopback when it listens on every address.
func selfURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// checkSchema stops start-up on a dirty or too-new schema, and migrates up when asked.
func (m *Main) checkSchema(dsn string, up bool) error {
	mg, err := postgres.NewMigrator(dsn)
	if err != nil {
		return err
	}
	defer mg.Close()
	if up {
		return mg.Up()
	}
	if err := mg.Check(); err != nil {
		return err
	}
	return mg.Ready()
}

func (m *Main) migrate(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: lastmile migrate up|down|version")
	}
	dsn := m.Getenv("DATABASE_URL")
	if dsn == "" {
		return errors.New("DATABASE_URL is not set")
	}
	mg, err := postgres.NewMigrator(dsn)
	if err != nil {
		return err
	}
	defer mg.Close()
	switch args[0] {
	case "up":
		err = mg.Up()
	case "down":
		err = mg.Down()
	case "version":
	default:
		return fmt.Errorf("unknown migrate command %q: expected up, down or version", args[0])
	}
	if err != nil {
		return err
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	latest, _ := postgres.LatestVersion()
	fmt.Fprintf(m.Stdout, "schema version %d (latest known %d, dirty %v)\n", v, latest, dirty)
	return nil
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// parseProxies parses LASTMILE_TRUSTED_PROXIES: CIDRs or single addresses, separated by
// commas or spaces.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range splitList(s) {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			ip, aerr := netip.ParseAddr(v)
			if aerr != nil || ip.Zone() != "" {
				return nil, fmt.Errorf("LASTMILE_TRUSTED_PROXIES: %q is neither an address nor a CIDR (like 10.0.0.0/8 or 2001:db8::/32)", v)
			}
			ip = ip.Unmap()
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		if p.Addr().Is4In6() {
			return nil, fmt.Errorf("LASTMILE_TRUSTED_PROXIES: %q is an IPv4 range written as IPv6: write it as IPv4", v)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (m *Main) bench(ctx context.Context, args []string) error {
	return m.runBench(ctx, args)
}

// servePprof serves Go's profiles (/debug/pprof/) on their own listener at addr, apart
// from the server's routes: they tell a great deal about the process and cost CPU while
// a profile runs, so they are for an operator on a loopback or private address only.
// LASTMILE_PPROF_ADDR turns it on (docs/operations.md).
func servePprof(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("LASTMILE_PPROF_ADDR: listening on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	go func() { _ = hs.Serve(ln) }()
	log.Info("profiles served", "addr", ln.Addr().String())
	return func() { _ = hs.Close() }, nil
}
