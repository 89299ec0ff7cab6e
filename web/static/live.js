// live.js — the browser's side of the websocket protocol (docs/protocol.md): a LiveBoard
// connects to one board, keeps a Replica (live-core.js) current, sends local ops with
// idempotency keys and sends them again after every reconnect until the server confirms
// or refuses them.

import { ClientKeys, Code, Limits, Replica, validateOp } from './live-core.js';

/** ProtocolVersion is the version of the protocol this client speaks. */
export const ProtocolVersion = 1;

/** The connection states a LiveBoard reports. */
export const State = Object.freeze({
  CONNECTING: 'connecting', // the first connection is being made
  CONNECTED: 'connected', // in the room and current
  RECONNECTING: 'reconnecting', // lost the connection; trying again
  OFFLINE: 'offline', // the browser is offline or the server unreachable: edits wait
  RELOAD: 'reload', // the server speaks another protocol version (or refused us): reload
  STOPPED: 'stopped', // stop() was called
});

/** Close codes the server uses (internal/protocol; the browser tests compare them). */
export const Close = Object.freeze({
  NORMAL: 1000,
  POLICY: 1008, // bad hello, unknown board, wrong version: retrying will not help
  TOO_BIG: 1009, // a frame we sent was too large: retrying would repeat it
  INTERNAL: 1011, // the board's room failed: reconnect
  RESTART: 1012, // the server restarts: reconnect
  TRY_AGAIN_LATER: 1013, // too slow, or a commit failed: reconnect and catch up
});
const CLOSE_CLIENT_GAP = 4000; // ours: we closed to catch up

const HELLO_TIMEOUT = 10000; // ms from opening the socket to the welcome
const STABLE_AFTER = 5000; // ms a connection must last for the backoff to start over
const OFFLINE_AFTER = 3; // failed attempts before the state says offline
const MAX_FRAME = 512 * 1024; // bytes of ops per frame we send (the server takes 1 MiB)
const PRESENCE_EVERY = 50; // ms between presence frames, at most

/**
 * LiveBoard is one live connection to a board. Events (an EventTarget):
 *   'view'    detail {changes}: the view (confirmed state and pending ops) may have
 *             changed; changes is what Replica.takeChanges says changed. It comes first,
 *             before the events below that the same frame or op causes.
 *   'change'  detail {ops, snapshot, seq}: committed ops were applied, or a snapshot taken
 *   'local'   detail {op}: a local op was made (the view changed before any confirmation)
 *   'nack'    detail {key, id, code, message, op}: the server refused a pending op
 *   'lock'    detail {id, code, message}: someone else is editing that card
 *   'error'   detail {code, message}: an error frame
 *   'peers'   detail {peers}: someone came or left, or changed name, role or card edited
 *   'cursors' detail {peers}: only pointers moved
 *   'facilitation' detail {facilitation, now}: the board's facilitation state (welcome, change)
 *   'ballot' detail {vote, items, used}: this person's own votes in the open vote
 *   'drafts' detail {drafts}: this person's own private cards (private mode)
 *   'followview' detail {conn, view}: the view of a page this one follows (follow.js)
 *   'summon' detail {conn, name, view}: a facilitator brings everyone to their view
 * The connection state goes to the onState callback and to 'state' events.
 */
export class LiveBoard extends EventTarget {
  /**
   * @param {object} o
   * @param {string} o.boardId
   * @param {number} [o.seq] the sequence the page shows (-1 or absent: ask for a snapshot)
   * @param {object} [o.board] a board export, to hold the whole state
   * @param {string} [o.name] the display name others see
   * @param {(state: string) => void} [o.onState]
   * @param {string} [o.url] the websocket URL (default: this origin's /boards/{id}/ws)
   * @param {ClientKeys} [o.keys] (default: kept in sessionStorage)
   * @param {typeof WebSocket} [o.WebSocket]
   * @param {{base: number, max: number, jitter: number}} [o.backoff] ms, ms, fraction
   */
  constructor(o) {
    super();
    this.boardId = o.boardId;
    this.name = o.name ?? '';
    this.onState = o.onState ?? (() => {});
    this.url = o.url ?? defaultURL(o.boardId);
    this.keys = o.keys ?? new ClientKeys(sessionStorageOrNull());
    this.WebSocket = o.WebSocket ?? globalThis.WebSocket;
    this.backoff = { base: 250, max: 10000, jitter: 0.5, ...o.backoff };
    this.replica = new Replica({ board: o.board ?? null, seq: o.seq ?? -1 });
    this.peers = new Map();
    this.self = null; // this connection's own presence entry, as the server last sent it
    this.facilitation = null; // the board's facilitation state, from the welcome on
    this.facilitationNow = null; // the server's clock when it came
    this.ballot = null; // this person's own votes in the open vote: {vote, items, used}
    this.drafts = []; // this person's own private cards, not yet revealed
    this.state = null;
    this.conn = null; // {ws, welcomed, openedAt, welcomedAt}
    this.connID = '';
    this.attempts = 0; // failed connections in a row
    this.timer = 0;
    this.stopped = true;
    this.fatal = false;
    this.presence = null; // the last presence asked for: {cursor, editing}
    this.presenceTimer = 0;
    this.presenceSent = 0;
    this.listeners = [];
    // Set by the benchmarks (BenchmarkOpen300): ops frames are timed from their receipt to
    // the paint that shows them, in 'lastmile:ops' measures (see timeOps).
    this.timing = false;
  }

  /** start connects, and keeps connected until stop(). */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.fatal = false;
    this.listen(globalThis, 'online', () => this.reconnectNow());
    this.listen(globalThis, 'offline', () => { if (!this.conn?.welcomed) this.setState(State.OFFLINE); });
    this.listen(globalThis, 'pagehide', () => this.keys.release());
    this.listen(globalThis, 'pageshow', (e) => { if (e.persisted) this.keys.claim(); });
    this.setState(State.CONNECTING);
    this.connect();
  }

  /** stop closes the connection for good. Pending ops stay in the replica. */
  stop() {
    this.halt(State.STOPPED);
  }

  /** seq is the last sequence held. */
  get seq() { return this.replica.seq; }

  /** view is the state with pending ops applied, or null when only a seq is held. */
  view() { return this.replica.view(); }

  /**
   * submit gives op ({op, type, id, fields}) a key, keeps it pending and sends it when
   * connected. It returns the key. A malformed op is refused at once (a thrown
   * LiveError); whether it fits the board is the server's to say (a 'nack' event).
   */
  submit(op) {
    validateOp(op);
    const keyed = { ...op, key: this.keys.next() };
    this.replica.add(keyed);
    this.showView();
    if (this.conn?.welcomed) this.sendOps([keyed]);
    this.emit('local', { op: keyed });
    return keyed.key;
  }

  /**
   * setPresence shares the pointer position and the card being edited (its soft lock);
   * editing '' releases the lock. Frames are sent at most every 50 ms, the latest winning.
   */
  setPresence({ cursor, editing } = {}) {
    this.presence = { ...this.presence, ...(cursor !== undefined && { cursor }), ...(editing !== undefined && { editing }) };
    if (this.presenceTimer) return;
    const wait = Math.max(0, this.presenceSent + PRESENCE_EVERY - Date.now());
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = 0;
      this.sendPresence();
    }, wait);
  }

  // --- connection -----------------------------------------------------------------------

  connect() {
    clearTimeout(this.timer);
    this.timer = 0;
    let ws;
    try {
      ws = new this.WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    const conn = { ws, welcomed: false, openedAt: Date.now(), welcomedAt: 0 };
    this.conn = conn;
    const timeout = setTimeout(() => { if (this.conn === conn && !conn.welcomed) this.abandon(conn, 1000, 'no welcome'); }, HELLO_TIMEOUT);
    ws.onopen = () => {
      if (this.conn !== conn) return;
      this.send(ws, { t: 'hello', v: ProtocolVersion, client: this.keys.id, name: this.name, seq: this.replica.seq });
    };
    ws.onmessage = (e) => {
      if (this.conn !== conn) return;
      const at = this.timing ? performance.now() : 0;
      let f;
      try {
        f = JSON.parse(e.data);
      } catch {
        return; // the server sends JSON only; ignore anything else
      }
      if (at && f.t === 'ops') timeOps(at, e.data, f, () => this.onFrame(conn, f));
      else this.onFrame(conn, f);
    };
    ws.onerror = () => {}; // a close event follows, with the code
    ws.onclose = (e) => {
      clearTimeout(timeout);
      if (this.conn !== conn) return; // abandoned on purpose: already handled
      this.conn = null;
      this.onClose(conn, e.code);
    };
  }

  onClose(conn, code) {
    if (this.stopped) return;
    if (this.fatal || code === Close.POLICY || code === Close.TOO_BIG) {
      this.halt(State.RELOAD);
      return;
    }
    if (conn.welcomedAt && Date.now() - conn.welcomedAt > STABLE_AFTER) this.attempts = 0;
    this.retry();
  }

  // retry schedules the next connection after a backoff with jitter.
  retry() {
    const exp = Math.min(this.backoff.max, this.backoff.base * 2 ** Math.min(this.attempts, 30));
    const delay = exp * (1 + this.backoff.jitter * (2 * Math.random() - 1));
    this.attempts++;
    const offline = globalThis.navigator?.onLine === false || this.attempts > OFFLINE_AFTER;
    this.setState(offline ? State.OFFLINE : State.RECONNECTING);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // reconnectNow skips the wait, as when the browser is back online.
  reconnectNow() {
    if (this.stopped || this.conn) return;
    this.attempts = 0;
    this.connect();
  }

  // abandon closes a connection we give up on and reconnects at once (to catch up).
  abandon(conn, code, reason) {
    if (this.conn !== conn) return;
    this.conn = null;
    try {
      conn.ws.close(code, reason);
    } catch {
      // already closing
    }
    if (this.stopped) return;
    this.setState(State.RECONNECTING);
    this.timer = setTimeout(() => this.connect(), 0);
  }

  halt(state) {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.presenceTimer);
    this.presenceTimer = 0;
    for (const [target, type, fn] of this.listeners) target.removeEventListener?.(type, fn);
    this.listeners = [];
    const conn = this.conn;
    this.conn = null;
    if (conn) {
      try {
        conn.ws.close(1000, '');
      } catch {
        // already closing
      }
    }
    this.setState(state);
  }

  // --- frames -------------------------------------------------------------------------

  onFrame(conn, f) {
    switch (f.t) {
      case 'welcome':
        conn.welcomed = true;
        conn.welcomedAt = Date.now();
        this.connID = f.conn;
        this.self = null;
        // Who the server makes this page's annotations as: the page's own pending ones show so.
        if (f.by) this.replica.setIdentity(f.by, this.replica.me.author);
        this.peers = new Map((f.peers ?? []).map((p) => [p.conn, p]));
        if (f.facilitation) this.onFacilitation(f);
        this.emit('peers', { peers: [...this.peers.values()] });
        // Everything not confirmed goes again, with the same keys: the server applies each
        // key once, and answers a resend of an applied op with an ack.
        if (this.replica.pending.length > 0) this.sendOps(this.replica.pending);
        if (this.presence?.editing) this.sendPresence();
        this.setState(State.CONNECTED);
        break;
      case 'snapshot':
        this.replica.snapshot(f.board);
        this.showView();
        this.emit('change', { ops: [], snapshot: true, seq: this.replica.seq });
        break;
      case 'ops': {
        const res = this.replica.receive(f.ops ?? []);
        if (res.applied.length > 0) {
          this.showView();
          this.emit('change', { ops: res.applied, snapshot: false, seq: this.replica.seq });
        }
        if (res.error) {
          // Our state has drifted from the server's: start again from a snapshot, which
          // the page draws whole. Until then it shows what it showed.
          this.replica.forget();
          this.abandon(conn, CLOSE_CLIENT_GAP, 'resync');
        } else if (res.gap) {
          this.abandon(conn, CLOSE_CLIENT_GAP, 'gap');
        }
        break;
      }
      case 'ack':
        if (this.replica.ack(f.key)) this.showView();
        break;
      case 'nack':
        if (f.key) {
          const op = this.replica.nack(f.key);
          if (op) this.showView();
          this.emit('nack', { key: f.key, id: f.id ?? '', code: f.code, message: f.message, op });
        } else {
          if (this.presence?.editing === f.id) this.presence.editing = '';
          this.emit('lock', { id: f.id ?? '', code: f.code, message: f.message });
        }
        break;
      case 'peers': {
        // Presence changed since the last such frame: whole entries of those who joined or
        // changed, and the connections that left. Our own entry is not kept. When only
        // pointers moved (many times a second), only the pointers' listeners are told.
        let who = (f.left ?? []).length > 0;
        for (const p of f.peers ?? []) {
          if (p.conn === this.connID) {
            this.self = p;
            continue;
          }
          const held = this.peers.get(p.conn);
          if (!held || held.name !== p.name || held.role !== p.role || (held.editing ?? '') !== (p.editing ?? '') ||
            (held.following ?? '') !== (p.following ?? '')) who = true;
          this.peers.set(p.conn, p);
        }
        for (const id of f.left ?? []) this.peers.delete(id);
        this.emit(who ? 'peers' : 'cursors', { peers: [...this.peers.values()] });
        break;
      }
      case 'facilitation':
        this.onFacilitation(f);
        break;
      case 'drafts':
        this.drafts = f.drafts ?? [];
        this.emit('drafts', { drafts: this.drafts });
        break;
      case 'ballot':
        this.ballot = { vote: f.vote, items: f.items ?? {}, used: f.used ?? 0 };
        this.emit('ballot', this.ballot);
        break;
      case 'view':
        this.emit('followview', { conn: f.conn, view: f.view });
        break;
      case 'summon':
        this.emit('summon', { conn: f.conn, name: f.name ?? '', view: f.view });
        break;
      case 'error':
        if (f.code === Code.VERSION) this.fatal = true; // the close (1008) follows
        this.emit('error', { code: f.code, message: f.message });
        break;
      default:
        // A frame type from a newer server: ignore it.
    }
  }

  // sendOps sends ops in frames of at most 500 ops and MAX_FRAME bytes. A frame that
  // cannot be sent is not lost: its ops stay pending and go again after the reconnect.
  sendOps(ops) {
    const ws = this.conn?.ws;
    if (!ws) return;
    let batch = [];
    let size = 0;
    const flush = () => {
      if (batch.length > 0) this.send(ws, { t: 'ops', ops: batch });
      batch = [];
      size = 0;
    };
    for (const op of ops) {
      const n = JSON.stringify(op).length * 3; // UTF-8 bytes, at most
      if (batch.length >= Limits.opsPerBatch || (batch.length > 0 && size + n > MAX_FRAME)) flush();
      batch.push(op);
      size += n;
    }
    flush();
  }

  // onFacilitation keeps the board's facilitation state (docs/facilitation.md) and tells
  // the page: 'facilitation' {facilitation, now}, now being the server's clock.
  onFacilitation(f) {
    this.facilitation = f.facilitation;
    this.facilitationNow = f.now;
    this.emit('facilitation', { facilitation: f.facilitation, now: f.now });
  }

  /** draft adds, edits or deletes one of this person's private cards (private mode). */
  draft(change) {
    if (this.conn?.welcomed) this.send(this.conn.ws, { t: 'draft', draft: change });
  }

  /** vote casts one vote on item (delta 1) or takes one back (-1) in the open vote. */
  vote(item, delta) {
    if (this.conn?.welcomed) this.send(this.conn.ws, { t: 'vote', item, delta });
  }

  /** facilitate asks the server for a change of the facilitation state (facilitators only). */
  facilitate(change) {
    if (this.conn?.welcomed) this.send(this.conn.ws, { t: 'facilitate', ...change });
  }

  /** follow follows the view of the connection conn ('' stops): docs/facilitation.md. */
  follow(conn) {
    if (this.conn?.welcomed) this.send(this.conn.ws, { t: 'follow', conn });
  }

  /** shareView sends this page's view ({x, y, zoom}) to those who follow it. */
  shareView(view) {
    if (this.conn?.welcomed) this.send(this.conn.ws, { t: 'view', view });
  }

  /** summon brings everyone to this page's view (facilitators only). */
  summon(view) {
    if (this.conn?.welcomed) this.send(this.conn.ws, { t: 'summon', view });
  }

  sendPresence() {
    if (!this.conn?.welcomed || !this.presence) return;
    const f = { t: 'presence' };
    if (this.presence.cursor) f.cursor = this.presence.cursor;
    if (this.presence.editing !== undefined) f.editing = this.presence.editing;
    this.presenceSent = Date.now();
    this.send(this.conn.ws, f);
  }

  send(ws, frame) {
    if (ws.readyState !== 1) return; // not open: what matters is resent on reconnect
    ws.send(JSON.stringify(frame));
  }

  // showView tells the page that the view may have changed, and what.
  showView() {
    this.emit('view', { changes: this.replica.takeChanges() });
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
    this.emit('state', { state });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  listen(target, type, fn) {
    if (!target?.addEventListener) return;
    target.addEventListener(type, fn);
    this.listeners.push([target, type, fn]);
  }
}

// timeOps handles an ops frame received at `at` (before parsing) and measures its way to
// the screen, for the benchmarks: a 'lastmile:ops' measure from its receipt to the end of
// the main thread's rendering of the frame that shows it, with in its detail the frame's
// last seq, its bytes (UTF-8) and the times (performance.now()) when it was drawn (parsed,
// applied, drawn by the renderer and the modules that follow 'board:render'), when the
// next frame's animation callbacks began (start; frame is that frame's own timestamp)
// and when the frame was rendered (painted). The callback registered before the drawing
// runs first in that frame; the one registered after runs after the modules' own (links,
// pointers), and its message is handled once the frame's style, layout and paint are done
// and handed to the compositor, which rasterizes and shows it on its own threads. These
// are not in production use: marks kept for every frame would fill the performance
// timeline of a page left open for hours, and the callbacks make frames of their own.
function timeOps(at, data, f, handle) {
  let start = 0;
  requestAnimationFrame(() => { start = performance.now(); });
  handle();
  const drawn = performance.now();
  requestAnimationFrame((frame) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      const painted = performance.now();
      ch.port1.close();
      const detail = { seq: f.ops?.at(-1)?.seq ?? 0, bytes: new TextEncoder().encode(data).length, drawn, start, frame, painted };
      performance.measure('lastmile:ops', { start: at, end: painted, detail });
    };
    ch.port2.postMessage(null);
  });
}

function defaultURL(boardId) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/boards/${encodeURIComponent(boardId)}/ws`;
}

function sessionStorageOrNull() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}
