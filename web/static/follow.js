// follow.js — the facilitator's spotlight, following someone's view and summoning, on the
// board page (docs/facilitation.md).
//
// Spotlight: everyone (viewers too) sees the focus of the facilitation state: the rest of
// the board dimmed, the focused stage or lane brought into view once when it changes, a
// badge naming it and an announcement. A focus whose stage or lane is gone (deleted, or a
// lane hidden since) is shown as none. The facilitator spotlights with "S" on a stage's or
// lane's heading or with the tool bar's choice, and clears it with the badge's button,
// Shift+S or the choice.
//
// Following: anyone follows another person's view with their avatar's button. The page
// then moves with theirs (their view frames) until its own person scrolls, zooms or moves
// with the keyboard, which stops it with a notice; after a reload it follows again while
// that person is there (sessionStorage), found by their person id when their conn changed.
// A page that someone follows sends its view, at most ten times a second.
//
// Summoning: the facilitator brings everyone to their view (a button, Shift+B); every
// other page moves there and follows the facilitator until its person moves.

import { fill } from './live-core.js';

/** The bounds of a view the server takes (internal/protocol's View); the browser tests compare them. */
export const VIEW_LIMITS = Object.freeze({ minZoom: 0.1, maxZoom: 2, coord: 10_000_000 });

const SHARE_EVERY = 100; // ms between two views sent, at most: ten a second
const AWAY_GRACE = 10000; // ms a followed person may be away (a reload, a restart) before following stops
const NOTICE_FOR = 8000; // ms a notice that following stopped stays
const ID = /^[A-Za-z0-9_-]{1,64}$/;

// Keys that move what the page shows when the focus is not in a text field: scrolling,
// moving between cells and headings, zooming (zoom.js).
const MOVE_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End', ' ',
  '+', '=', '-', '0', 'f', 'F', 'Tab']);

/**
 * startFollow makes the FollowUI of the page work, if there is one.
 * @param {object} o
 * @param {HTMLElement} o.article the article.board
 * @param {import('./live.js').LiveBoard} o.live
 * @param {import('./zoom.js').Zoom} o.zoom
 * @returns {Follow|null}
 */
export function startFollow({ article, live, zoom }) {
  const ui = document.querySelector('[data-follow-ui]');
  if (!ui || !zoom) return null;
  return new Follow(article, live, zoom, ui);
}

export class Follow {
  constructor(article, live, zoom, ui) {
    this.article = article;
    this.live = live;
    this.zoom = zoom;
    this.ui = ui;
    this.t = ui.dataset;
    const q = (s) => ui.querySelector(s);
    this.badge = q('[data-focus-badge]');
    this.badgeText = q('[data-focus-text]');
    this.notice = q('[data-follow-notice]');
    this.noticeText = q('[data-follow-text]');
    this.stopButton = q('[data-follow-stop]');
    this.followersLine = q('[data-followers]');
    this.announcer = q('[data-follow-announce]');
    this.select = q('[data-focus-select]');
    this.facilitator = !!this.select;
    this.plural = new Intl.PluralRules(document.documentElement.lang || 'en');

    this.storageKey = `lastmile.follow.${live.boardId}`;
    this.leader = load(this.storageKey); // whom this page follows: {conn, person, name}, or null
    this.sentFor = ''; // "<our conn>:<their conn>" the follow frame was sent for
    this.awayTimer = 0;
    this.noticeTimer = 0;
    this.followers = new Set(); // the conns following this page
    this.shareTimer = 0;
    this.sharedAt = 0;
    this.seq = -1; // of the facilitation state shown
    this.focus = null; // the state's focus: {kind, id}, or null
    this.focusKey = ''; // "kind:id" of the focus shown, '' for none
    this.focusName = '';
    this.sheet = null;
    this.options = ''; // what the spotlight's choice lists, to draw it again only when it changes

    ui.hidden = false;
    live.addEventListener('facilitation', (e) => this.onFacilitation(e.detail));
    if (live.facilitation) this.onFacilitation({ facilitation: live.facilitation });
    live.addEventListener('view', (e) => this.onView(e.detail?.changes));
    live.addEventListener('peers', () => this.onPeers());
    live.addEventListener('state', () => this.onPeers());
    live.addEventListener('followview', (e) => this.onFollowView(e.detail));
    live.addEventListener('summon', (e) => this.onSummon(e.detail));
    live.addEventListener('error', (e) => this.onError(e.detail));

    // What moves the view of the page: shared with those who follow it.
    const scroller = this.scroller();
    scroller?.addEventListener('scroll', () => this.scheduleShare(), { passive: true });
    article.addEventListener('board:zoom', (e) => {
      if (e.detail?.source !== 'follow') this.moved();
      this.scheduleShare();
    });
    window.addEventListener('resize', () => this.scheduleShare());
    // What the person does to move it: following stops.
    article.addEventListener('wheel', () => this.moved(), { passive: true });
    article.addEventListener('touchstart', () => this.moved(), { passive: true });
    article.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    document.addEventListener('keydown', (e) => this.onKey(e), true);

    document.querySelector('[data-avatars]')?.addEventListener('click', (e) => {
      const b = e.target.closest?.('button[data-follow]');
      if (b) this.toggle(b.dataset.follow);
    });
    this.stopButton.addEventListener('click', () => this.stop('stopped'));
    q('[data-focus-clear]')?.addEventListener('click', () => this.setFocus(null));
    this.select?.addEventListener('change', () => {
      const [kind, id] = this.select.value.split(':');
      this.setFocus(kind && id ? { kind, id } : null);
    });
    q('[data-summon]')?.addEventListener('click', () => this.summon());

    this.onView(null);
    if (this.leader) this.tell(fill(this.t.following, { name: this.leader.name }), false); // after a reload
    this.onPeers();
  }

  scroller() { return this.article.querySelector('.board-scroll'); }

  // --- the spotlight -------------------------------------------------------------------

  onFacilitation({ facilitation }) {
    if (!facilitation || facilitation.seq < this.seq) return; // older than the state shown
    this.seq = facilitation.seq;
    this.focus = facilitation.focus?.kind ? facilitation.focus : null;
    this.drawFocus();
  }

  // onView draws again what depends on the board's stages and lanes: the focus (its name,
  // or none once its stage or lane is gone) and the spotlight's choice.
  onView(changes) {
    if (changes && !changes.all && ![...(changes.keys ?? [])].some((k) => k.startsWith('stage:') || k.startsWith('lane:'))) return;
    this.drawChoice();
    this.drawFocus();
  }

  // target returns the stage or visible lane of focus f on the board, or null.
  target(f) {
    const view = this.live.view();
    if (!f || !view || !ID.test(f.id)) return null;
    if (f.kind === 'stage') return view.stages.get(f.id) ?? null;
    const lane = f.kind === 'lane' ? view.lanes.get(f.id) : null;
    return lane && !lane.hidden ? lane : null;
  }

  drawFocus() {
    const f = this.focus;
    const target = this.target(f);
    const key = target ? `${f.kind}:${f.id}` : '';
    const name = target ? (f.kind === 'stage' ? target.name : target.label) ?? '' : '';
    this.badge.hidden = !target;
    this.badgeText.textContent = target ? fill(this.t.focus, { name }) : '';
    if (this.select && this.select.value !== key) this.select.value = key;
    if (target) {
      this.article.dataset.focusKind = f.kind;
      this.article.dataset.focusId = f.id;
    } else {
      delete this.article.dataset.focusKind;
      delete this.article.dataset.focusId;
    }
    this.drawDim(target ? f : null);
    const was = this.focusKey;
    this.focusKey = key;
    if (key !== was) {
      if (target) {
        this.announce(fill(f.kind === 'stage' ? this.t.focusStage : this.t.focusLane, { name }));
        if (!this.leader) this.reveal(f); // a follower's view is the one they follow
      } else if (was) {
        this.announce(this.t.focusCleared);
      }
    }
    this.focusName = name;
  }

  // drawDim dims everything outside the focus f (none: nothing), with rules naming its
  // stage or lane in a constructed stylesheet, which the Content-Security-Policy allows
  // where it allows no style element without the page's nonce. Cells drawn later follow
  // the same rules.
  drawDim(f) {
    let css = '';
    const dim = 'opacity:.3';
    const mark = 'box-shadow:inset 0 -4px 0 var(--accent)';
    if (f?.kind === 'stage') {
      css = `article.board[data-focus-kind="stage"] td.cell:not([data-stage-id="${f.id}"]):not(:hover,:focus-within){${dim}}`
        + `article.board[data-focus-kind="stage"] tr.line td{${dim}}`
        + `article.board[data-focus-kind="stage"] th.stage[data-stage-id="${f.id}"]{${mark}}`;
    } else if (f?.kind === 'lane') {
      css = `article.board[data-focus-kind="lane"] tr.lane:not([data-lane-id="${f.id}"])>td.cell:not(:hover,:focus-within){${dim}}`
        + `article.board[data-focus-kind="lane"] tr.line td{${dim}}`
        + `article.board[data-focus-kind="lane"] tr.lane[data-lane-id="${f.id}"]>th.lane-label{box-shadow:inset 4px 0 0 var(--accent)}`;
    }
    if (css) css = `@media screen{${css}}`;
    if (!('adoptedStyleSheets' in document)) return;
    if (!this.sheet) {
      if (!css) return;
      this.sheet = new CSSStyleSheet();
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
    }
    this.sheet.replaceSync(css);
  }

  // reveal brings the focused stage (across) or lane (down) into what the scroller shows,
  // clear of the sticky headings; one larger than the view shows its start.
  reveal(f) {
    const scroller = this.scroller();
    const el = f.kind === 'stage'
      ? this.article.querySelector(`th.stage[data-stage-id="${f.id}"]`)
      : this.article.querySelector(`tr.lane[data-lane-id="${f.id}"]`);
    if (!scroller || !el) return;
    const r = el.getBoundingClientRect();
    const v = scroller.getBoundingClientRect();
    if (f.kind === 'stage') {
      const label = scroller.querySelector('th.lane-label, th.corner')?.getBoundingClientRect().width ?? 0;
      const left = v.left + scroller.clientLeft + label;
      const right = v.left + scroller.clientLeft + scroller.clientWidth;
      if (r.left < left || r.width > right - left) scroller.scrollLeft -= left - r.left;
      else if (r.right > right) scroller.scrollLeft += r.right - right;
    } else {
      const head = scroller.querySelector('thead')?.getBoundingClientRect().height ?? 0;
      const top = v.top + scroller.clientTop + head;
      const bottom = v.top + scroller.clientTop + scroller.clientHeight;
      if (r.top < top || r.height > bottom - top) scroller.scrollTop -= top - r.top;
      else if (r.bottom > bottom) scroller.scrollTop += r.bottom - bottom;
    }
  }

  // drawChoice lists the stages and the visible lanes in the facilitator's choice.
  drawChoice() {
    const view = this.live.view();
    if (!this.select || !view) return;
    const byOrder = (a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const stages = [...view.stages.values()].sort(byOrder).map((s) => ['stage', s.id, s.name ?? '']);
    const lanes = [...view.lanes.values()].filter((l) => !l.hidden).sort(byOrder).map((l) => ['lane', l.id, l.label ?? '']);
    const list = JSON.stringify([stages, lanes]);
    if (list === this.options) return;
    this.options = list;
    for (const [group, items] of [['[data-focus-stages]', stages], ['[data-focus-lanes]', lanes]]) {
      const g = this.select.querySelector(group);
      g.replaceChildren(...items.map(([kind, id, name]) => new Option(name, `${kind}:${id}`)));
    }
    this.select.value = this.focusKey;
  }

  // setFocus asks the server to spotlight f ({kind, id}) for everyone, or to clear it.
  setFocus(f) {
    if (!this.facilitator) return;
    this.live.facilitate({ focus: f ?? {} });
  }

  // --- following -----------------------------------------------------------------------

  peer(conn) { return this.live.peers.get(conn) ?? null; }

  name(p) { return p?.name || this.t.anonymous || ''; }

  // toggle follows the person of conn, or stops following them.
  toggle(conn) {
    if (this.leader?.conn === conn) {
      this.stop('stopped');
      return;
    }
    const p = this.peer(conn);
    if (!p) return;
    if (this.leadsToMe(p)) {
      this.tell(fill(this.t.circle, { name: this.name(p) }), true);
      return;
    }
    this.begin(p, false);
  }

  // leadsToMe reports whether p follows this page, directly or through others.
  leadsToMe(p) {
    const seen = new Set();
    for (let c = p.following; c && !seen.has(c); c = this.peer(c)?.following) {
      if (c === this.live.connID) return true;
      seen.add(c);
    }
    return false;
  }

  // begin follows p; summoned, the server has made this connection follow them already.
  begin(p, summoned) {
    this.leader = { conn: p.conn, person: p.person ?? '', name: this.name(p), summoned };
    save(this.storageKey, this.leader);
    this.sentFor = summoned ? `${this.live.connID}:${p.conn}` : '';
    this.register();
    const text = fill(summoned ? this.t.summoned : this.t.following, { name: this.leader.name });
    this.tell(text, false);
    this.drawPressed();
  }

  // stop stops following: why is 'stopped' (the person's own move or the button), 'left'
  // (the followed person is gone) or the message of a refusal.
  stop(why) {
    if (!this.leader) return;
    const { name } = this.leader;
    this.leader = null;
    save(this.storageKey, null);
    if (this.sentFor) this.live.follow('');
    this.sentFor = '';
    clearTimeout(this.awayTimer);
    this.awayTimer = 0;
    const text = why === 'stopped' ? this.t.stopped : why === 'left' ? this.t.left : why;
    this.tell(fill(text, { name }), true);
    this.drawPressed();
  }

  // moved is the person's own move: it ends following.
  moved() {
    if (this.leader) this.stop('stopped');
  }

  onPointerDown(e) {
    const scroller = this.scroller();
    // The scroller's own scroll bars, the middle button's pan, the space bar's pan.
    if (e.target === scroller || e.button === 1 || this.article.classList.contains('pan-ready')) this.moved();
  }

  onKey(e) {
    if (e.ctrlKey || e.metaKey || isTyping(e.target)) return;
    if (!e.altKey && e.shiftKey && (e.key === 'S' || e.key === 'B') && this.facilitator) {
      e.preventDefault();
      if (e.key === 'S') this.setFocus(null);
      else this.summon();
      return;
    }
    if (!e.altKey && !e.shiftKey && (e.key === 's' || e.key === 'S') && this.facilitator) {
      const h = e.target.closest?.('th.stage, th.lane-label');
      if (h && this.article.contains(h)) {
        e.preventDefault();
        const f = h.matches('th.stage') ? { kind: 'stage', id: h.dataset.stageId } : { kind: 'lane', id: h.closest('tr.lane')?.dataset.laneId };
        this.setFocus(this.focusKey === `${f.kind}:${f.id}` ? null : f);
        return;
      }
    }
    if (!this.leader || !MOVE_KEYS.has(e.key)) return;
    if (e.key === 'Tab' && !this.article.contains(e.target)) return; // moving through the tool bar
    if (e.key === ' ' && e.target.closest?.('button, a, summary, [role="button"]')) return;
    this.moved();
  }

  // register sends the follow frame on this connection, once the followed person is here:
  // after a reload or a reconnect, found by their conn, or by their person id when their
  // own page reconnected. Away, they have a while to come back before following stops.
  register() {
    const l = this.leader;
    if (!l || !this.live.connID || this.live.state === 'reload' || this.live.state === 'stopped') return;
    const p = this.peer(l.conn) ?? (l.person ? [...this.live.peers.values()].find((x) => x.person === l.person) : null);
    if (!p) {
      if (!this.awayTimer && this.live.state === 'connected') {
        this.awayTimer = setTimeout(() => {
          this.awayTimer = 0;
          if (this.leader && !this.peer(this.leader.conn)) this.stop('left');
        }, AWAY_GRACE);
      }
      return;
    }
    clearTimeout(this.awayTimer);
    this.awayTimer = 0;
    if (p.conn !== l.conn || this.name(p) !== l.name) {
      l.conn = p.conn;
      l.name = this.name(p);
      save(this.storageKey, l);
      this.drawPressed();
    }
    const key = `${this.live.connID}:${p.conn}`;
    if (this.sentFor === key) return;
    this.sentFor = key;
    this.live.follow(p.conn);
  }

  onPeers() {
    if (this.live.state === 'connected') this.register();
    // Who follows this page: a newcomer gets its view at once.
    const now = new Set();
    for (const p of this.live.peers.values()) if (p.following && p.following === this.live.connID) now.add(p.conn);
    const added = [...now].some((c) => !this.followers.has(c));
    this.followers = now;
    this.drawFollowers();
    if (added) this.share(true);
    this.drawPressed();
  }

  onFollowView({ conn, view }) {
    if (!this.leader || conn !== this.leader.conn || !view) return;
    this.zoom.show(view);
  }

  onSummon({ conn, name, view }) {
    if (!conn || conn === this.live.connID) return;
    clearTimeout(this.awayTimer);
    this.awayTimer = 0;
    const p = this.peer(conn) ?? { conn, name };
    this.begin(p, true);
    if (view) this.zoom.show(view);
  }

  // onError stops following when the server refused it: the error that comes while the
  // follow frame is not confirmed by this page's own presence entry.
  onError({ code, message }) {
    if (!this.leader || !this.sentFor || (code !== 'not_found' && code !== 'invalid')) return;
    if (this.live.self?.following === this.leader.conn) return;
    this.stop(message || this.t.left);
  }

  // summon brings everyone to this page's view (the facilitator's).
  summon() {
    if (!this.facilitator) return;
    const view = this.zoom.view();
    if (!view) return;
    if (this.leader) {
      this.leader = null; // the server stops this page's following itself
      save(this.storageKey, null);
      this.sentFor = '';
      this.hideNotice();
      this.drawPressed();
    }
    this.live.summon(view);
    this.announce(this.t.summonSent);
  }

  // --- sharing this page's view --------------------------------------------------------

  scheduleShare() {
    if (this.followers.size === 0 || this.shareTimer) return;
    const wait = Math.max(0, this.sharedAt + SHARE_EVERY - Date.now());
    this.shareTimer = setTimeout(() => {
      this.shareTimer = 0;
      this.share(false);
    }, wait);
  }

  // share sends this page's view to those who follow it, unless it is the one sent last
  // (always, when forced: someone began to follow).
  share(force) {
    if (this.followers.size === 0) return;
    const v = this.zoom.view();
    if (!v) return;
    const same = this.shared && v.x === this.shared.x && v.y === this.shared.y && v.zoom === this.shared.zoom;
    if (same && !force) return;
    this.shared = v;
    this.sharedAt = Date.now();
    this.live.shareView(v);
  }

  // --- what the page shows -------------------------------------------------------------

  // tell shows a notice: while following, with the button that stops it; otherwise for
  // a few seconds. It is announced too.
  tell(text, passing) {
    clearTimeout(this.noticeTimer);
    this.noticeText.textContent = text;
    this.notice.hidden = false;
    this.notice.dataset.state = passing ? 'stopped' : 'following';
    this.stopButton.hidden = passing;
    this.announce(text);
    if (passing) this.noticeTimer = setTimeout(() => this.hideNotice(), NOTICE_FOR);
  }

  hideNotice() {
    clearTimeout(this.noticeTimer);
    this.notice.hidden = true;
    this.noticeText.textContent = '';
  }

  drawFollowers() {
    const n = this.followers.size;
    const text = this.plural.select(n) === 'one' ? this.t.followersOne : this.t.followersOther;
    this.followersLine.hidden = n === 0;
    this.followersLine.textContent = n === 0 ? '' : fill(text ?? '', { n });
    this.followersLine.title = [...this.followers].map((c) => this.name(this.peer(c))).join(', ');
  }

  drawPressed() {
    for (const b of document.querySelectorAll('[data-avatars] button[data-follow]')) {
      const on = b.dataset.follow === this.leader?.conn;
      if (b.getAttribute('aria-pressed') !== String(on)) b.setAttribute('aria-pressed', String(on));
    }
  }

  announce(text) {
    if (!text) return;
    // A text equal to the last is announced again only if it changes: clear first.
    if (this.announcer.textContent === text) this.announcer.textContent = '';
    this.announcer.textContent = text;
  }
}

function load(key) {
  try {
    const v = JSON.parse(globalThis.sessionStorage?.getItem(key) ?? 'null');
    return v && typeof v.conn === 'string' && ID.test(v.conn) ? { conn: v.conn, person: String(v.person ?? ''), name: String(v.name ?? '') } : null;
  } catch {
    return null;
  }
}

function save(key, v) {
  try {
    if (v) globalThis.sessionStorage?.setItem(key, JSON.stringify({ conn: v.conn, person: v.person, name: v.name }));
    else globalThis.sessionStorage?.removeItem(key);
  } catch {
    // storage disabled: following does not outlast the page
  }
}

function isTyping(el) {
  return !!el?.closest?.('input, textarea, select, [contenteditable="true"]');
}
