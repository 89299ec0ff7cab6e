// Package server is lastmile's HTTP face: chi routes, middleware, the HTML pages and forms,
// the JSON API, health checks and the one place where errors become responses.
package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/websocket"

	"lastmile/internal/auth"
	"lastmile/internal/blueprint"
	"lastmile/internal/i18n"
	"lastmile/web"
)

// Size limits on request bodies. They are documented in docs/protocol.md.
const (
	MaxOpsBody    = 1 << 20 // POST /api/boards/{id}/ops
	MaxImportBody = 8 << 20 // POST /api/boards
	MaxFormBody   = 64 << 10
)

// Editor applies edits to a board and makes them known to everyone watching it. The
// realtime hub is one; a bare store is another (then nobody is told).
type Editor interface {
	// ApplyEdits has the contract of blueprint.BoardService.ApplyEdits.
	ApplyEdits(ctx context.Context, boardID string, edits []blueprint.Edit) ([]blueprint.Result, error)
}

// Config is what the server is built from. Boards and Catalog are required.
type Config struct {
	Boards  blueprint.BoardService
	Editor  Editor // defaults to Boards
	Catalog *i18n.Catalog
	Logger  *slog.Logger
	// Ready reports whether the server can take traffic beyond its own process (database
	// reachable, schema migrated). Nil means always ready.
	Ready func(context.Context) error
	// Live serves an upgraded websocket of /boards/{id}/ws until it ends. Without it the
	// route answers 404.
	Live func(ws *websocket.Conn, boardID string, who Participant)
	// AllowedOrigins lists the origins (scheme://host[:port]) allowed to open websockets
	// besides the server's own host.
	AllowedOrigins []string
	// Metrics serves /metrics when set.
	Metrics http.Handler
	// Accounts turns on accounts, sessions, board roles and share links. Without it there
	// is nobody to tell apart: every board is open to anyone as editor.
	Accounts Accounts
	// Hasher hashes passwords; defaults to an *auth.Hasher with its default parameters.
	Hasher PasswordHasher
	// Limiter slows down password guessing; defaults to auth.NewLimiter().
	Limiter *auth.Limiter
	// HashSlots bounds how many password hashes run at once (each takes 64 MiB); past it a
	// request waits up to HashWait (two seconds by default), then gets 503 with
	// Retry-After. Defaults to 2. A client address has one hash holding or waiting for a
	// slot at a time: its others wait their turn behind it, within the same HashWait.
	HashSlots int
	HashWait  time.Duration
	// TrustedProxies are the reverse proxies in front of the server. For a connection
	// from one of them, the limits per client address count the client that
	// X-Forwarded-For names (the rightmost address in it that is not a trusted proxy);
	// otherwise X-Forwarded-For is ignored. Without any, every client behind a proxy
	// shares the proxy's limits.
	TrustedProxies []netip.Prefix
	// SignUpClosed turns sign-up off: accounts are made by the operator (lastmile user add).
	SignUpClosed bool
	// AccountRequired refuses to make a board for someone who is not signed in. Without
	// it, a board made without an account is unlisted: listed only to the browser session
	// that made it, and open to whoever holds its address.
	AccountRequired bool
	// Revoke is told when a share link is revoked, so that live connections that came in
	// through it are closed (the realtime hub's Revoke).
	Revoke func(boardID, grantID string)
	// RevokeMember is told when a member is removed or given another role, so that the
	// member's live connections are closed (the realtime hub's RevokeMember).
	// changedAt is the storage's time after the change committed (see Accounts.Clock), or
	// zero when it could not be read.
	RevokeMember func(boardID, userID string, changedAt time.Time)
	// CloseBoard is told when a board was deleted (gone) or claimed, so that every live
	// connection to it is closed (the realtime hub's CloseBoard).
	CloseBoard func(boardID string, gone bool)
	// Notes keeps last-seen points and notifications; defaults to Boards when it has
	// them. Without it, the routes of "since you last looked" and notifications are absent.
	Notes Notes
	// Unsubscribe checks the signed link of an e-mail's unsubscribe link and returns the
	// user it names (mail.Mailer's Check); without it GET /unsubscribe is absent.
	Unsubscribe func(token string) (userID string, err error)
	// AllowPrivateWebhooks lets webhooks be sent to loopback and private addresses
	// (LASTMILE_WEBHOOKS_PRIVATE); refused otherwise, against server-side request forgery.
	AllowPrivateWebhooks bool
	// Printer renders the PDF and PNG exports (internal/printer, in a headless Chromium).
	// Without it the board page says they are not available and their routes answer 503.
	Printer Printer
	// SelfURL gives the address (http://127.0.0.1:port) at which the printer's browser
	// reaches this server; it is asked at each export, once the server listens.
	SelfURL func() string
}

// Server routes requests. It is an http.Handler.
type Server struct {
	boards   blueprint.BoardService
	editor   Editor
	catalog  *i18n.Catalog
	log      *slog.Logger
	ready    func(context.Context) error
	draining atomic.Bool
	router   chi.Router
	live     func(ws *websocket.Conn, boardID string, who Participant)
	upgrader websocket.Upgrader
	accounts Accounts
	hasher   PasswordHasher
	limiter  *auth.Limiter
	gate     *auth.Gate
	// signUps and creations limit sign-ups per address, and new boards per user (per
	// address for someone not signed in).
	signUps, creations *auth.Limiter
	signUpClosed       bool
	trustedProxies     []netip.Prefix
	accountRequired    bool
	revoke             func(boardID, grantID string)
	// revokeUser closes a member's live connections.
	revokeUser  func(boardID, userID string, changedAt time.Time)
	closeBoard  func(boardID string, gone bool)
	notes       Notes
	unsubscribe func(token string) (string, error)
	tokens      Tokens // personal API tokens; nil without accounts
	// webhooks keeps boards' outgoing webhooks; nil without accounts or storage for them.
	webhooks Webhooks
	// templates keeps the templates people save; nil without accounts or storage for them.
	templates            Templates
	allowPrivateWebhooks bool
	printer              Printer
	selfURL              func() string
	tickets              printTickets

	readiness readiness   // what /readyz last said, to log changes only
	methods   methodIndex // which methods each path has routes for
}

// New returns a server with its routes.
func New(cfg Config) *Server {
	s := &Server{boards: cfg.Boards, editor: cfg.Editor, catalog: cfg.Catalog, log: cfg.Logger, ready: cfg.Ready,
		live: cfg.Live, accounts: cfg.Accounts, hasher: cfg.Hasher, limiter: cfg.Limiter, revoke: cfg.Revoke,
		revokeUser: cfg.RevokeMember, closeBoard: cfg.CloseBoard, signUpClosed: cfg.SignUpClosed, accountRequired: cfg.AccountRequired,
		trustedProxies: cfg.TrustedProxies, gate: auth.NewGate(cmp.Or(cfg.HashSlots, 2), cmp.Or(cfg.HashWait, hashWait)),
		signUps: &auth.Limiter{Burst: signUpBurst, Every: signUpEvery}, creations: &auth.Limiter{Burst: createBurst, Every: createEvery}}
	if s.hasher == nil {
		s.hasher = &auth.Hasher{}
	}
	if s.limiter == nil {
		s.limiter = auth.NewLimiter()
	}
	s.upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096,
		CheckOrigin: originChecker(cfg.AllowedOrigins)}
	if s.editor == nil {
		s.editor = cfg.Boards
	}
	s.notes, s.unsubscribe = cfg.Notes, cfg.Unsubscribe
	if n, ok := cfg.Boards.(Notes); ok && s.notes == nil {
		s.notes = n
	}
	s.tokens, _ = cfg.Accounts.(Tokens)
	if s.accounts != nil {
		s.webhooks, _ = cfg.Boards.(Webhooks)
		s.templates, _ = cfg.Boards.(Templates)
	}
	s.allowPrivateWebhooks = cfg.AllowPrivateWebhooks
	s.printer, s.selfURL = cfg.Printer, cfg.SelfURL
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.ready == nil {
		s.ready = func(context.Context) error { return nil }
	}
	// Cross-origin protection refuses state-changing requests that a browser marks as
	// coming from another site (Sec-Fetch-Site, or Origin against Host).
	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.AllowedOrigins {
		_ = cop.AddTrustedOrigin(o) // an origin that cannot be parsed stays untrusted
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, blueprint.Errorf(blueprint.EFORBIDDEN, "cross-origin requests that change something are refused"))
	}))

	r := chi.NewRouter()
	// The request log is outermost, so that a request whose handler panicked has its
	// line too, with the 500 the recoverer answered.
	r.Use(s.logRequests, s.recoverer, compress, securityHeaders, s.language, cop.Handler)
	if s.accounts != nil {
		r.Use(s.session)
	}
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, blueprint.Errorf(blueprint.ENOTFOUND, "no page at %s", r.URL.Path))
	})
	r.Use(s.headAsGet)
	r.MethodNotAllowed(s.methodNotAllowed)

	r.Get("/livez", s.handleLivez)
	r.Get("/readyz", s.handleReadyz)
	if cfg.Metrics != nil {
		r.Handle("/metrics", cfg.Metrics)
	}
	r.Handle("/static/*", http.StripPrefix("/static/", staticHandler(web.Static())))

	r.Get("/", s.handleHome)
	r.Post("/boards", s.handleCreateBoardForm)
	r.Post("/boards/import", s.handleImportForm)
	r.Get("/portfolio", s.handlePortfolio)
	if s.accounts != nil {
		r.Get("/signup", s.handleSignUpPage)
		r.Post("/signup", s.handleSignUp)
		r.Get("/signin", s.handleSignInPage)
		r.Post("/signin", s.handleSignIn)
		r.Post("/signout", s.handleSignOut)
		r.Get("/account/password", s.handlePasswordPage)
		r.Post("/account/password", s.handleChangePassword)
		if s.tokens != nil {
			r.Get("/account/tokens", s.handleTokensPage)
			r.Post("/account/tokens", s.handleCreateTokenForm)
			r.Post("/account/tokens/{tokenID}/revoke", s.handleRevokeTokenForm)
		}
		r.Get("/s/{token}", s.handleShareLink)
		r.Post("/s/{token}", s.handleJoin)
		if s.templates != nil {
			r.Get("/templates", s.handleTemplatesPage)
			r.Post("/templates/{templateID}", s.handleTemplateForm)
			r.Post("/templates/{templateID}/delete", s.handleDeleteTemplateForm)
		}
	}
	view, edit, manage := s.allow(auth.View), s.allow(auth.Edit), s.allow(auth.ManageLinks)
	comment := s.allow(auth.Comment)
	members := s.allow(auth.ManageMembers)
	saveTemplate := s.allow(auth.SaveTemplate)
	// The print view also lets in the browser of an export by its print ticket, so it
	// is routed apart from the other pages of a board, whose authorize trusts sessions only.
	r.With(s.usePrintTicket, s.authorize, view, s.loadBoard).Get("/boards/{boardID}/print", s.handlePrintPage)
	r.Route("/boards/{boardID}", func(r chi.Router) {
		r.Use(s.authorize)
		r.With(view, s.loadBoard).Get("/", s.handleBoardPage)
		r.With(view, s.loadBoard).Get("/export.pdf", s.handleExportPDF)
		r.With(view, s.loadBoard).Get("/export.png", s.handleExportPNG)
		r.With(view, s.loadBoard).Get("/analysis", s.handleAnalysisPage)
		if s.history() != nil {
			r.With(view, s.loadBoard).Get("/history", s.handleHistoryPage)
			r.With(view, s.loadBoard).Get("/versions/{seq}", s.handleVersionPage)
			r.With(edit).Post("/versions", s.handleNameVersionForm)
			r.With(edit).Post("/versions/{seq}/restore", s.handleRestoreForm)
			r.With(view, s.loadBoard).Post("/duplicate", s.handleDuplicateForm)
		}
		r.With(edit).Post("/analysis/framing", s.handleFramingForm)
		r.With(edit).Post("/analysis/launch", s.handleLaunchForm)
		r.With(edit).Post("/analysis/volumes", s.handleVolumesForm)
		if cfg.Live != nil {
			r.With(view).Get("/ws", s.handleWebsocket)
		}
		r.With(edit).Post("/cards", s.handleAddCardForm)
		r.With(edit).Post("/cards/{cardID}/delete", s.handleDeleteCardForm)
		r.With(edit).Post("/stages", s.handleAddStageForm)
		r.With(edit).Post("/lanes", s.handleAddLaneForm)
		r.With(edit).Post("/teams", s.handleAddTeamForm)
		r.With(edit).Post("/title", s.handleRenameForm)
		r.With(comment).Post("/comments", s.handleCommentForm)
		r.With(comment).Post("/comments/{itemID}/{verb}", s.handleCommentVerbForm)
		r.With(comment).Post("/markers", s.handleMarkerForm)
		r.With(comment).Post("/markers/{itemID}/{verb}", s.handleMarkerVerbForm)
		if s.notes != nil {
			r.With(view).Post("/seen", s.handleSeenForm)
		}
		if s.accounts != nil {
			r.With(s.loadBoard).Get("/delete", s.handleDeletePage)
			r.Post("/delete", s.handleDeleteForm)
			r.Post("/claim", s.handleClaimForm)
			r.With(manage, s.loadBoard).Get("/share/new", s.handleNewLinkPage)
			r.With(manage).Post("/share", s.handleCreateLink)
			r.With(manage).Post("/share/{linkID}/revoke", s.handleRevokeLink)
			r.With(members).Post("/members", s.handleInviteMember)
			r.With(members).Post("/members/{userID}/role", s.handleSetMemberRole)
			r.With(members).Post("/members/{userID}/remove", s.handleRemoveMember)
			if s.templates != nil {
				r.With(saveTemplate, s.loadBoard).Get("/template", s.handleSaveTemplatePage)
				r.With(saveTemplate, s.loadBoard).Post("/template", s.handleSaveTemplateForm)
			}
			if s.webhooks != nil {
				r.With(members, s.loadBoard).Get("/webhooks", s.handleWebhooksPage)
				r.With(members, s.loadBoard).Post("/webhooks", s.handleCreateWebhookForm)
				r.With(members).Post("/webhooks/{webhookID}/{verb:test|delete}", s.handleWebhookVerbForm)
			}
		}
	})

	if s.unsubscribe != nil && s.notes != nil {
		r.Get("/unsubscribe", s.handleUnsubscribe)
	}
	r.Route("/api", func(r chi.Router) {
		r.Get("/openapi.json", s.handleOpenAPI)
		r.Get("/boards", s.handleListBoards)
		if s.notes != nil && s.accounts != nil {
			r.Get("/notifications", s.handleNotifications)
			r.Post("/notifications/read", s.handleReadNotifications)
		}
		r.Post("/boards", s.handleCreateBoard)
		r.Get("/templates", s.handleListTemplates)
		if s.templates != nil {
			r.Get("/templates/{templateID}", s.handleGetTemplate)
			r.Patch("/templates/{templateID}", s.handleUpdateTemplate)
			r.Delete("/templates/{templateID}", s.handleDeleteTemplate)
		}
		if s.tokens != nil {
			r.Get("/tokens", s.handleListTokens)
			r.Post("/tokens", s.handleCreateToken)
			r.Delete("/tokens/{tokenID}", s.handleRevokeToken)
		}
		r.Route("/boards/{boardID}", func(r chi.Router) {
			r.Use(s.authorize)
			r.With(view, s.loadBoard).Get("/", s.handleGetBoard)
			r.With(view, s.loadBoard).Get("/analysis", s.handleAnalysis)
			r.With(view, s.loadBoard).Get("/export.csv", s.handleExportCSV)
			r.With(view, s.loadBoard).Get("/export.md", s.handleExportMarkdown)
			r.With(view, s.loadBoard).Get("/export.svg", s.handleExportSVG)
			r.With(view, s.loadBoard).Get("/export.pdf", s.handleExportPDF)
			r.With(view, s.loadBoard).Get("/export.png", s.handleExportPNG)
			r.With(comment).Post("/ops", s.handlePostOps)
			r.With(view).Get("/ops", s.handleGetOps)
			r.With(view, s.loadBoard).Get("/comments", s.handleListComments)
			r.With(comment).Post("/comments", s.annotationRoute(blueprint.TypeComment, blueprint.ActionCreate, http.StatusCreated, createComment))
			r.With(comment).Patch("/comments/{itemID}", s.annotationRoute(blueprint.TypeComment, blueprint.ActionUpdate, http.StatusOK, editComment))
			r.With(comment).Delete("/comments/{itemID}", s.annotationRoute(blueprint.TypeComment, blueprint.ActionDelete, http.StatusOK, noFields))
			r.With(comment).Post("/comments/{itemID}/resolve", s.annotationRoute(blueprint.TypeComment, blueprint.ActionUpdate, http.StatusOK, setResolved(true)))
			r.With(comment).Post("/comments/{itemID}/reopen", s.annotationRoute(blueprint.TypeComment, blueprint.ActionUpdate, http.StatusOK, setResolved(false)))
			r.With(view, s.loadBoard).Get("/markers", s.handleListMarkers)
			r.With(comment).Post("/markers", s.annotationRoute(blueprint.TypeMarker, blueprint.ActionCreate, http.StatusCreated, createMarker))
			r.With(comment).Patch("/markers/{itemID}", s.annotationRoute(blueprint.TypeMarker, blueprint.ActionUpdate, http.StatusOK, editMarker))
			r.With(comment).Delete("/markers/{itemID}", s.annotationRoute(blueprint.TypeMarker, blueprint.ActionDelete, http.StatusOK, noFields))
			r.With(comment).Post("/markers/{itemID}/resolve", s.annotationRoute(blueprint.TypeMarker, blueprint.ActionUpdate, http.StatusOK, resolveMarker))
			r.With(comment).Post("/markers/{itemID}/reopen", s.annotationRoute(blueprint.TypeMarker, blueprint.ActionUpdate, http.StatusOK, setResolved(false)))
			r.With(comment).Post("/markers/{itemID}/plusone", s.annotationRoute(blueprint.TypePlusOne, blueprint.ActionCreate, http.StatusOK, noFields))
			r.With(comment).Delete("/markers/{itemID}/plusone", s.annotationRoute(blueprint.TypePlusOne, blueprint.ActionDelete, http.StatusOK, noFields))
			r.With(view, s.loadBoard).Get("/activity", s.handleActivity)
			r.With(view, s.loadBoard).Get("/people", s.handlePeople)
			if s.history() != nil {
				r.With(view, s.loadBoard).Get("/history", s.handleHistory)
				r.With(view).Get("/versions", s.handleListVersions)
				r.With(edit).Post("/versions", s.handleNameVersion)
				r.With(view).Get("/versions/{seq}", s.handleGetVersion)
				r.With(edit).Post("/restore", s.handleRestore)
			}
			if s.notes != nil {
				r.With(view).Get("/since", s.handleSince)
				r.With(view).Post("/seen", s.handleMarkSeen)
			}
			if s.accounts != nil {
				r.Delete("/", s.handleDeleteBoard)
				r.Post("/claim", s.handleClaim)
				r.With(manage).Get("/share", s.handleListLinks)
				r.With(members).Get("/members", s.handleListMembers)
				if s.templates != nil {
					r.With(saveTemplate, s.loadBoard).Post("/templates", s.handleSaveTemplate)
				}
				if s.webhooks != nil {
					r.With(members).Get("/webhooks", s.handleListWebhooks)
					r.With(members, s.loadBoard).Post("/webhooks", s.handleCreateWebhook)
					r.With(members).Delete("/webhooks/{webhookID}", s.handleDeleteWebhook)
					r.With(members).Post("/webhooks/{webhookID}/test", s.handleTestWebhook)
					r.With(members).Get("/webhooks/{webhookID}/deliveries", s.handleWebhookDeliveries)
				}
			}
		})
	})
	s.methods = newMethodIndex(r)
	s.router = r
	return s
}

// compressible are the content types compress sends gzipped to clients that accept it.
var compressible = []string{"text/html", "text/css", "text/javascript", "application/javascript",
	"application/json", "image/svg+xml", "text/plain"}

// compress gzips textual responses for clients that accept it, except websocket upgrades.
func compress(next http.Handler) http.Handler {
	gz := middleware.Compress(5, compressible...)(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if websocket.IsWebSocketUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(w, r)
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Drain marks the server as shutting down: /readyz answers 503 from now on so that a
// load balancer stops sending new traffic.
func (s *Server) Drain() { s.draining.Store(true) }

func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}

// newID returns a random entity id of 12 characters (60 bits) with a one-letter prefix.
func newID(prefix string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return prefix + string(b)
}
