// presence.js — who is on the board, for everyone on the page (viewers too): the avatars
// (buttons, with which follow.js follows a person's view) and the count in the board's
// tool bar, and the others' pointers drawn over the grid with their names. Our own
// pointer goes to the others through the LiveBoard's presence frames, in board
// coordinates: CSS pixels from the grid's top left corner at 100 %, so that scrolling and
// zoom, ours or theirs, do not move it.

import { fill } from './live-core.js';

const IDLE = 20000; // ms without moving after which a pointer is no longer drawn
const OFF = { x: -1, y: -1 }; // the pointer is not over the board (negative: no cell is there)

export class Presence {
  /**
   * @param {HTMLElement} article the article.board
   * @param {HTMLElement} tools the board's tool bar (BoardTools)
   * @param {import('./live.js').LiveBoard} live
   */
  constructor(article, tools, live) {
    this.article = article;
    this.tools = tools;
    this.live = live;
    this.texts = tools.dataset;
    this.count = tools.querySelector('[data-presence-count]');
    this.avatars = tools.querySelector('[data-avatars]');
    this.plural = new Intl.PluralRules(document.documentElement.lang || 'en');
    this.moved = new Map(); // conn → {x, y, at}: when each pointer last moved
    this.frame = 0;
    this.pointer = null; // the position to send at the next animation frame
    this.sentOff = true;
    this.idleTimer = 0;

    live.addEventListener('peers', () => this.update());
    live.addEventListener('cursors', () => this.drawCursors());
    live.addEventListener('state', () => this.update());
    article.addEventListener('pointermove', (e) => this.onPointer(e));
    article.addEventListener('pointerleave', () => this.send(OFF));
    // The renderer drew something: the pointers drawn are placed again at the next frame,
    // when the browser lays the board out anyway (not at once, which would make it lay the
    // board out for every drawing).
    article.addEventListener('board:render', () => this.scheduleCursors());
    article.addEventListener('board:zoom', () => this.drawCursors());
    window.addEventListener('resize', () => this.drawCursors());
    this.update();
  }

  // peers returns the others on the board.
  peers() {
    return [...this.live.peers.values()].filter((p) => p.conn !== this.live.connID);
  }

  update() {
    const peers = this.peers();
    const connected = this.live.state === 'connected';
    this.showCount(connected ? peers.length + 1 : 0, connected);
    this.showAvatars(connected ? peers : []);
    this.drawCursors();
  }

  showCount(n, shown) {
    if (!this.count) return;
    const form = this.plural.select(n);
    const text = (form === 'one' ? this.texts.countOne : this.texts.countOther) ?? '';
    const next = shown ? fill(text, { n }) : '';
    if (this.count.textContent !== next) this.count.textContent = next;
  }

  showAvatars(peers) {
    if (!this.avatars) return;
    const seen = new Set();
    for (const p of peers) {
      seen.add(p.conn);
      let li = this.avatars.querySelector(`li[data-conn="${CSS.escape(p.conn)}"]`);
      if (!li) {
        li = document.createElement('li');
        li.className = 'avatar';
        li.dataset.conn = p.conn;
        li.dataset.testid = 'avatar';
        // A button: follow.js follows the person's view with it (aria-pressed while so).
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'avatar-button';
        button.dataset.follow = p.conn;
        button.dataset.testid = 'follow-button';
        button.setAttribute('aria-pressed', 'false');
        const circle = document.createElement('span');
        circle.className = 'avatar-initials';
        circle.setAttribute('aria-hidden', 'true');
        const label = document.createElement('span');
        label.className = 'visually-hidden';
        button.append(circle, label);
        li.append(button);
        this.avatars.append(li);
      }
      const name = this.name(p);
      const label = this.label(p);
      li.title = label;
      li.dataset.name = name;
      li.dataset.role = p.role ?? '';
      li.style.setProperty('--peer', colour(p.conn));
      const [circle, text] = li.firstChild.children;
      circle.textContent = initials(name);
      text.textContent = this.texts.follow ? fill(this.texts.follow, { name: label }) : label;
    }
    for (const li of [...this.avatars.children]) {
      if (!seen.has(li.dataset.conn)) li.remove();
    }
  }

  name(p) {
    return p.name || this.texts.anonymous || '';
  }

  // label is the name with the role, as "Ana (Viewer)".
  label(p) {
    const role = this.texts[`role${capitalize(p.role ?? '')}`];
    if (!role || !this.texts.withRole) return this.name(p);
    return fill(this.texts.withRole, { name: this.name(p), role });
  }

  // --- our pointer ------------------------------------------------------------------------

  onPointer(e) {
    const grid = this.article.querySelector('table.blueprint');
    if (!grid || e.pointerType === 'touch') return;
    const r = grid.getBoundingClientRect();
    const scale = Number.parseFloat(this.article.dataset.zoom ?? '1') || 1;
    const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
    if (!inside) {
      this.send(OFF);
      return;
    }
    this.pointer = { x: round((e.clientX - r.left) / scale), y: round((e.clientY - r.top) / scale) };
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.pointer) this.send(this.pointer);
    });
  }

  send(cursor) {
    if (cursor === OFF) {
      this.pointer = null;
      if (this.sentOff) return;
    }
    this.sentOff = cursor === OFF;
    this.live.setPresence({ cursor });
  }

  // --- their pointers ---------------------------------------------------------------------

  layer() {
    const scroller = this.article.querySelector('.board-scroll');
    if (!scroller) return null;
    let layer = scroller.querySelector(':scope > .cursors');
    if (!layer) {
      layer = document.createElement('div');
      layer.className = 'cursors';
      layer.setAttribute('aria-hidden', 'true'); // the avatars say who is here
      scroller.append(layer);
    }
    return layer;
  }

  scheduleCursors() {
    if (this.cursorFrame || !this.article.querySelector('.board-scroll > .cursors > *')) return;
    this.cursorFrame = requestAnimationFrame(() => {
      this.cursorFrame = 0;
      this.drawCursors();
    });
  }

  // drawCursors puts a labelled marker where each other person's pointer is, unless it is
  // off the board or has not moved for a while.
  drawCursors() {
    const layer = this.layer();
    const grid = this.article.querySelector('table.blueprint');
    if (!layer || !grid) return;
    const scroller = layer.parentElement;
    const now = Date.now();
    const g = grid.getBoundingClientRect();
    const s = scroller.getBoundingClientRect();
    const scale = Number.parseFloat(this.article.dataset.zoom ?? '1') || 1;
    const left = g.left - s.left - scroller.clientLeft + scroller.scrollLeft;
    const top = g.top - s.top - scroller.clientTop + scroller.scrollTop;
    const shown = new Set();
    let next = Infinity;
    const connected = this.live.state === 'connected';
    for (const p of connected ? this.peers() : []) {
      const c = p.cursor;
      if (!c || c.x < 0 || c.y < 0) continue;
      const m = this.moved.get(p.conn);
      if (!m || m.x !== c.x || m.y !== c.y) this.moved.set(p.conn, { x: c.x, y: c.y, at: now });
      const at = this.moved.get(p.conn).at;
      if (now - at >= IDLE) continue;
      next = Math.min(next, at + IDLE);
      shown.add(p.conn);
      let el = layer.querySelector(`[data-conn="${CSS.escape(p.conn)}"]`);
      if (!el) {
        el = document.createElement('div');
        el.className = 'cursor';
        el.dataset.conn = p.conn;
        el.dataset.testid = 'cursor';
        const label = document.createElement('span');
        label.className = 'cursor-name';
        el.append(label);
        layer.append(el);
      }
      el.style.setProperty('--peer', colour(p.conn));
      el.style.left = `${left + c.x * scale}px`;
      el.style.top = `${top + c.y * scale}px`;
      el.firstChild.textContent = this.name(p);
    }
    for (const el of [...layer.children]) {
      if (!shown.has(el.dataset.conn)) el.remove();
    }
    for (const conn of [...this.moved.keys()]) {
      if (!this.live.peers.has(conn)) this.moved.delete(conn);
    }
    clearTimeout(this.idleTimer);
    if (next < Infinity) this.idleTimer = setTimeout(() => this.drawCursors(), next - now + 50);
  }
}

// initials returns the first letters of the first and last words of a name.
// Only letters and digits count: a bidirectional control or a symbol that starts a word
// is passed over, and a word without a letter or a digit is no word.
export function initials(name) {
  const words = name.split(/[\s._@-]+/u).map((w) => w.match(/[\p{L}\p{N}]/u)?.[0]).filter(Boolean);
  if (words.length === 0) return '?';
  const last = words.length > 1 ? words.at(-1) : '';
  return (words[0] + last).toLocaleUpperCase();
}

// colour gives each connection a hue of its own, dark enough for white text.
export function colour(conn) {
  let h = 0;
  for (const ch of conn) h = (h * 31 + ch.codePointAt(0)) % 360;
  return `hsl(${h} 65% 34%)`;
}

function capitalize(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : '';
}

function round(n) {
  return Math.round(n * 10) / 10;
}
