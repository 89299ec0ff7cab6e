// links.js — draws the links between cards as arrows over the grid, for everyone, and
// lets those who may edit make and change links, and set emotion scores.
//
// The arrows are an SVG layer inside the grid's scroll container. They are drawn again
// whenever the board changes under them (the renderer drew something, a card's editor
// opened, a zoom), when the grid changes size and when the window does. Positions are taken from
// the cards' boxes and brought into the layer's own coordinates through its screen
// matrix, so that a transform on the grid or on its container (a zoom) is accounted for.
// The layer is drawing only, hidden from screen readers: the links table under the grid
// is the list of links, and the way to edit them with the keyboard.
//
// Links, and the texts of the cards they join, come from the LiveBoard's view, which every
// live page holds: pending edits show at once.

import { focusLeftAlone } from './dialog.js';
import { fill, newID, same } from './live-core.js';

const SVG = 'http://www.w3.org/2000/svg';
const GAP = 24; // px: the least bend of an arrow between two cards
const RUN = 40; // px: the least gap a straight arrow crosses between side-by-side cards
const INSET = 18; // px: how far inside its card's top an arrow over a narrow gap starts and ends
const LIFT = 32; // px: how high above the cards such an arrow's controls are
const HIT = 12; // px: the width of the invisible line a click on an arrow lands on
const QUOTED = 80; // characters of a card's text that a sentence quotes, at most

/**
 * startLinks draws the links of the board of article and keeps them drawn.
 * @param {object} o
 * @param {HTMLElement} o.article the article.board
 * @param {import('./live.js').LiveBoard} o.live
 * @returns {LinkLayer}
 */
export function startLinks({ article, live }) {
  const ui = document.querySelector('[data-link-ui]');
  return new LinkLayer(article, live, ui?.dataset ?? {});
}

export class LinkLayer extends EventTarget {
  constructor(article, live, texts) {
    super();
    this.article = article;
    this.live = live;
    this.texts = texts;
    this.svg = null;
    this.frame = 0;
    this.temp = null; // the line drawn while a link is being made with the mouse

    const mo = new MutationObserver((records) => {
      // Changes to the layer itself and to others' pointers (which move many times a
      // second) move no card.
      if (!records.some((r) => !this.svg?.contains(r.target) && !overlay(r.target))) return;
      this.schedule();
    });
    mo.observe(article, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['style', 'class', 'hidden'] });
    this.resize = new ResizeObserver(() => this.schedule());
    this.resize.observe(article);
    globalThis.addEventListener('resize', () => this.schedule());
    // Scrolling needs no drawing: the layer scrolls with the grid it covers.
    article.addEventListener('board:render', () => this.schedule());
    this.schedule();
  }

  // schedule draws the links at the next frame, once however many times it is asked.
  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  // links returns the links to draw: {id, kind, from, to, critical, status, owner}.
  links() {
    return [...(this.live.view()?.links.values() ?? [])];
  }

  teamName(id) {
    return (id && this.live.view()?.teams.get(id)?.name) || '';
  }

  card(id) {
    return this.article.querySelector(`td.cell > .card[data-card-id="${CSS.escape(id)}"]`);
  }

  // cardText is a card's text as the sentences about links quote it (announcements, the
  // arrows' tooltips, the dialog): its start when it is long, which is enough to know the
  // card and keeps the sentence on a line or two.
  cardText(id) {
    return quoted(this.live.view()?.cards.get(id)?.text ?? '');
  }

  // layer returns the SVG layer, putting it in the grid's scroll container the first time.
  layer() {
    const scroll = this.article.querySelector('.board-scroll');
    if (!scroll) return null;
    if (this.svg?.parentElement === scroll) return this.svg;
    if (this.svg) {
      scroll.append(this.svg);
      return this.svg;
    }
    const svg = document.createElementNS(SVG, 'svg');
    svg.classList.add('link-layer');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.dataset.testid = 'link-layer';
    svg.innerHTML = `<defs>
      <marker id="link-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
        <path d="M0 0 L10 5 L0 10 z"></path>
      </marker>
      <marker id="link-head-critical" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="13" markerHeight="13" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
        <path d="M0 0 L10 5 L0 10 z"></path>
      </marker>
    </defs><g data-arrows></g>`;
    scroll.append(svg);
    this.svg = svg;
    return svg;
  }

  // toLayer returns a function that maps a point of the window to the layer's coordinates.
  toLayer(svg) {
    const m = svg.getScreenCTM()?.inverse();
    if (!m) return (x, y) => ({ x, y });
    return (x, y) => {
      const p = new DOMPoint(x, y).matrixTransform(m);
      return { x: p.x, y: p.y };
    };
  }

  // box returns the box of an element in the layer's coordinates.
  box(el, map) {
    const r = el.getBoundingClientRect();
    const a = map(r.left, r.top);
    const b = map(r.right, r.bottom);
    return { left: a.x, top: a.y, right: b.x, bottom: b.y, cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2 };
  }

  // draw places every arrow. It reads every box it needs before it writes anything, and
  // the badges' places once every line is written: a box read after a change to the page
  // makes the browser work out the page's styles and layout at once, and on a large board
  // that once per arrow cost more than the rest of the frame.
  draw() {
    const svg = this.layer();
    if (!svg) return;
    const scroll = svg.parentElement;
    const width = String(scroll.scrollWidth);
    const height = String(scroll.scrollHeight);
    const map = this.toLayer(svg);
    const arrows = [];
    for (const link of this.links()) {
      const from = this.card(link.from);
      const to = this.card(link.to);
      if (from && to) arrows.push({ link, a: this.box(from, map), b: this.box(to, map) });
    }
    // The layer covers what the container scrolls over, so that it scrolls with the grid.
    setAttr(svg, 'width', width);
    setAttr(svg, 'height', height);
    const group = svg.querySelector('[data-arrows]');
    const shown = new Set();
    const badges = [];
    for (const { link, a, b } of arrows) {
      shown.add(link.id);
      let g = group.querySelector(`g[data-link-id="${CSS.escape(link.id)}"]`);
      if (!g) {
        g = makeArrow(link.id);
        group.append(g);
      }
      const badge = this.drawArrow(g, link, a, b);
      if (badge) badges.push(badge);
    }
    for (const g of group.querySelectorAll('g[data-link-id]')) {
      if (!shown.has(g.dataset.linkId)) g.remove();
    }
    const places = badges.map(({ line, d }) => besideMiddle(line, d));
    badges.forEach(({ badge }, i) => setAttr(badge, 'transform', `translate(${round(places[i].x)} ${round(places[i].y)})`));
    if (this.temp) this.drawTemp();
    this.dispatchEvent(new CustomEvent('drawn'));
  }

  // drawArrow draws the arrow of link from box a to box b in its group g, and returns its
  // badge with the line and the distance to place it at, when it shows one.
  drawArrow(g, link, a, b) {
    const d = curve(a, b);
    const kind = link.kind === 'dependency' ? 'dependency' : 'handoff';
    const status = ['open', 'agreed', 'resolved'].includes(link.status) ? link.status : 'open';
    setAttr(g, 'class', `link-arrow link-${kind} status-${status}${link.critical ? ' critical' : ''}`);
    g.dataset.kind = kind;
    g.dataset.status = status;
    g.dataset.critical = String(!!link.critical);
    g.dataset.from = link.from;
    g.dataset.to = link.to;
    const [hit, line] = g.querySelectorAll('path');
    setAttr(hit, 'd', d);
    setAttr(line, 'd', d);
    const head = `url(#${link.critical ? 'link-head-critical' : 'link-head'})`;
    setAttr(line, 'marker-end', head);
    if (kind === 'dependency') setAttr(line, 'marker-start', head);
    else line.removeAttribute('marker-start');
    // Texts are set only when they change: a new text is a new node, and any node added
    // to the page makes the browser restyle the whole board at the next frame.
    setText(g.querySelector('title'), this.describe(link, kind, status));

    // The badge says what colour alone must not: ! for critical, ✓ for resolved, = for
    // agreed. It sits beside the middle of the arrow, touching it, never on it: on a short
    // arrow a badge on the line would hide the line.
    const marks = (link.critical ? '!' : '') + (status === 'resolved' ? '✓' : status === 'agreed' ? '=' : '');
    const badge = g.querySelector('.link-badge');
    setAttr(badge, 'visibility', marks === '' ? 'hidden' : 'visible');
    if (!marks) return null;
    const r = marks.length > 1 ? 11 : 8;
    setAttr(badge.querySelector('circle'), 'r', String(r));
    setText(badge.querySelector('text'), marks);
    return { badge, line, d: r + (link.critical ? 2 : 1) + 2 };
  }

  // describe is the text of an arrow's tooltip.
  describe(link, kind, status) {
    const t = this.texts;
    const parts = [fill(t.arrowTitle ?? '{from} → {to}', { from: this.cardText(link.from), to: this.cardText(link.to) }), t[kind] ?? kind];
    if (link.critical) parts.push(t.critical ?? 'critical');
    parts.push(t[`status${status[0].toUpperCase()}${status.slice(1)}`] ?? status);
    const team = this.teamName(link.owner);
    parts.push(team ? fill(t.owner ?? '{team}', { team }) : (t.unowned ?? ''));
    if (link.holder) parts.push(fill(t.titleHolder ?? '{name}', { name: link.holder }));
    if (link.risk?.by) parts.push(fill(t.titleRisk ?? '{by}', { by: link.risk.by, on: link.risk.on ?? '' }));
    const acks = ['ack_from', 'ack_to'].filter((k) => link[k]?.by).length;
    if (acks) parts.push(fill(t.titleAcks ?? '{count}', { count: acks }));
    return parts.filter(Boolean).join(' · ');
  }

  // startTemp draws a line from a card to the pointer, while a link is made with the mouse.
  startTemp(fromId, x, y) {
    this.temp = { from: fromId, x, y };
    this.drawTemp();
  }

  moveTemp(x, y) {
    if (!this.temp) return;
    this.temp.x = x;
    this.temp.y = y;
    this.drawTemp();
  }

  stopTemp() {
    this.temp = null;
    this.svg?.querySelector('.link-temp')?.remove();
  }

  drawTemp() {
    const svg = this.layer();
    const from = this.card(this.temp.from);
    if (!svg || !from) return;
    const map = this.toLayer(svg);
    const a = this.box(from, map);
    const p = map(this.temp.x, this.temp.y);
    let path = svg.querySelector('.link-temp');
    if (!path) {
      path = document.createElementNS(SVG, 'path');
      path.setAttribute('class', 'link-temp');
      path.setAttribute('marker-end', 'url(#link-head)');
      svg.append(path);
    }
    path.setAttribute('d', `M${round(a.cx)} ${round(a.cy)} L${round(p.x)} ${round(p.y)}`);
  }
}

// makeArrow makes the group of one arrow: a wide invisible line to click, the line seen,
// the badge and the tooltip.
function makeArrow(id) {
  const g = document.createElementNS(SVG, 'g');
  g.dataset.linkId = id;
  g.dataset.testid = 'link-arrow';
  const title = document.createElementNS(SVG, 'title');
  const hit = document.createElementNS(SVG, 'path');
  hit.setAttribute('class', 'link-hit');
  hit.setAttribute('stroke-width', String(HIT));
  const line = document.createElementNS(SVG, 'path');
  line.setAttribute('class', 'link-line');
  const badge = document.createElementNS(SVG, 'g');
  badge.setAttribute('class', 'link-badge');
  badge.append(document.createElementNS(SVG, 'circle'), document.createElementNS(SVG, 'text'));
  badge.lastChild.setAttribute('text-anchor', 'middle');
  badge.lastChild.setAttribute('dominant-baseline', 'central');
  g.append(title, hit, line, badge);
  return g;
}

// setAttr and setText change an attribute or a text only when it differs.
function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

// besideMiddle returns the point at distance d from the middle of path, on the side of
// its normal that points up (right for a vertical path): where a badge of radius d less a
// margin touches the path without covering it.
function besideMiddle(path, d) {
  const len = path.getTotalLength();
  const mid = path.getPointAtLength(len / 2);
  const p = path.getPointAtLength(Math.max(0, len / 2 - 1));
  const q = path.getPointAtLength(Math.min(len, len / 2 + 1));
  let nx = -(q.y - p.y);
  let ny = q.x - p.x;
  const n = Math.hypot(nx, ny);
  if (!n) return mid;
  nx /= n;
  ny /= n;
  if (ny > 0.01 || (Math.abs(ny) <= 0.01 && nx < 0)) {
    nx = -nx;
    ny = -ny;
  }
  return { x: mid.x + nx * d, y: mid.y + ny * d };
}

// curve returns the path of an arrow from box a to box b: from the side of a that faces b
// to the side of b that faces a, bending smoothly. Between cards side by side with a
// narrow gap (neighbouring stages), a straight arrow would be all head: the arrow bridges
// the gap instead, from the top of a to the top of b, near the sides that face.
function curve(a, b) {
  let x1, y1, x2, y2, c1, c2;
  // Side by side when the gap between the boxes is wider than it is tall.
  const across = Math.max(b.left - a.right, a.left - b.right);
  const down = Math.max(b.top - a.bottom, a.top - b.bottom);
  if (across >= 0 && across >= down && across < RUN) {
    const right = b.cx >= a.cx;
    x1 = right ? Math.max(a.cx, a.right - INSET) : Math.min(a.cx, a.left + INSET);
    x2 = right ? Math.min(b.cx, b.left + INSET) : Math.max(b.cx, b.right - INSET);
    y1 = a.top;
    y2 = b.top;
    const top = Math.min(y1, y2) - LIFT;
    c1 = [x1, top];
    c2 = [x2, top];
  } else if (across >= 0 && across >= down) {
    const right = b.cx >= a.cx;
    x1 = right ? a.right : a.left;
    x2 = right ? b.left : b.right;
    y1 = a.cy;
    y2 = b.cy;
    const bend = Math.max(GAP, Math.abs(x2 - x1) / 2) * (right ? 1 : -1);
    c1 = [x1 + bend, y1];
    c2 = [x2 - bend, y2];
  } else {
    const below = b.cy >= a.cy;
    x1 = a.cx;
    x2 = b.cx;
    y1 = below ? a.bottom : a.top;
    y2 = below ? b.top : b.bottom;
    const bend = Math.max(GAP, Math.abs(y2 - y1) / 2) * (below ? 1 : -1);
    c1 = [x1, y1 + bend];
    c2 = [x2, y2 - bend];
  }
  return `M${round(x1)} ${round(y1)} C${round(c1[0])} ${round(c1[1])} ${round(c2[0])} ${round(c2[1])} ${round(x2)} ${round(y2)}`;
}

function round(n) { return Math.round(n * 10) / 10; }

/**
 * editLinks lets the user of the in-place editor make links (l on a card, then Enter on
 * the target; or Shift and drag from card to card), edit them in the link dialog (a click
 * on an arrow; Enter or a click on a row of the links table) and set the emotion score
 * of the cards of an emotion lane (+ and -). Every change is an op made through the
 * editor, so that it can be undone.
 * @param {LinkLayer} layer
 * @param {import('./editor.js').Editor|null} editor
 * @returns {LinkEditor|null}
 */
export function editLinks(layer, editor) {
  const ui = document.querySelector('[data-link-ui]');
  if (!ui || !editor || !ui.querySelector('[data-link-dialog]')) return null;
  return new LinkEditor(layer, editor, ui);
}

export class LinkEditor {
  constructor(layer, editor, ui) {
    this.layer = layer;
    this.editor = editor;
    this.article = layer.article;
    this.live = layer.live;
    this.texts = ui.dataset;
    this.dialog = ui.querySelector('[data-link-dialog]');
    this.form = this.dialog.querySelector('form');
    this.linking = null; // {from}: a link being made, from the card of that id
    this.pressed = null; // the card the mouse was pressed on while a link is being made
    this.editing = null; // {id, back}: the link the dialog shows, and where the focus goes after

    const a = this.article;
    a.addEventListener('keydown', (e) => this.onKey(e), true);
    a.addEventListener('mousedown', (e) => this.onMouseDown(e), true);
    a.addEventListener('click', (e) => this.onClick(e), true);
    a.addEventListener('focusin', (e) => this.onFocus(e));
    this.form.addEventListener('change', (e) => this.onChange(e));
    this.form.addEventListener('input', (e) => { if (this.editing && RECORD_FIELDS.has(e.target.name)) this.editing.dirty.add(e.target.name); });
    this.form.addEventListener('click', (e) => this.onRecordClick(e));
    this.dialog.querySelector('[data-link-delete]').addEventListener('click', () => this.deleteLink());
    this.dialog.querySelector('[data-link-close]').addEventListener('click', () => this.dialog.close());
    // Each change is sent as it is made: there is nothing to submit, and Enter in a field
    // must not close the dialog.
    this.form.addEventListener('submit', (e) => e.preventDefault());
    // A close event comes in a task of its own: when the dialog was opened again
    // meanwhile, it belongs to the closing before and is let go.
    this.dialog.addEventListener('close', () => {
      if (!this.dialog.open) this.onClose();
    });
    layer.svg?.classList.add('editable');
    a.classList.add('links-editable'); // shows the emotion buttons
    layer.addEventListener('drawn', () => this.prepare());
    this.prepare();
  }

  // prepare makes the arrows clickable and keeps the dialog up to date; it runs after
  // every drawing of the arrows, so after every change of the board. (The server makes
  // the rows of the links table focusable for those who may edit.)
  prepare() {
    this.layer.svg?.classList.add('editable');
    const grid = this.article.querySelector('table.blueprint');
    const shortcuts = grid?.getAttribute('aria-keyshortcuts') ?? '';
    if (grid && !shortcuts.split(' ').includes('l')) grid.setAttribute('aria-keyshortcuts', `${shortcuts} l + -`.trim());
    // Setting a class it already has would still be a change, observed by the layer,
    // which would draw again, and call this again, at every frame.
    const source = this.linking && this.layer.card(this.linking.from);
    if (source && !source.classList.contains('link-source')) source.classList.add('link-source');
    if (this.editing && this.dialog.open) {
      const link = this.link(this.editing.id);
      if (link) this.fillForm(link, false);
      else this.gone(this.editing.id); // deleted meanwhile
    }
  }

  announce(text, error = false) { this.editor.announce(text, error); }

  // gone closes the dialog of a link someone else deleted, and says so.
  gone(id) {
    this.dialog.close();
    const name = this.live.replica.origins.deleted('link', id) ?? this.texts.someone ?? '';
    this.announce(fill(this.texts.linkGone ?? '', { name }), true);
  }

  cardText(id) { return this.layer.cardText(id); }

  // --- keyboard -----------------------------------------------------------------------

  onKey(e) {
    const el = e.target;
    const stop = () => { e.preventDefault(); e.stopPropagation(); };
    if (this.linking) {
      if (e.key === 'Escape') {
        stop();
        this.cancel();
      } else if (e.key === 'Enter' && !e.altKey && !e.ctrlKey && !e.metaKey) {
        const card = el.closest?.('td.cell > .card');
        if (!card) return; // Enter on a cell goes to its cards, as usual
        stop();
        this.finish(card);
      }
      return; // other keys, the arrows among them, move the focus as usual
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (el.matches?.('tr[data-link-id]') && (e.key === 'Enter' || e.key === ' ')) {
      stop();
      this.openDialog(el.dataset.linkId, el);
      return;
    }
    if (!el.matches?.('td.cell > .card') || this.editor.editing) return;
    if (e.key === 'l' || e.key === 'L') {
      stop();
      this.begin(el);
    } else if ((e.key === '+' || e.key === '-') && el.closest('tr.lane')?.dataset.role === 'emotion') {
      stop();
      this.bump(el, e.key === '+' ? 1 : -1);
    }
  }

  onFocus(e) {
    if (!this.linking) return;
    const card = e.target.closest?.('td.cell > .card');
    if (card && card.dataset.cardId !== this.linking.from) {
      this.announce(fill(this.texts.target ?? '', { to: this.cardText(card.dataset.cardId) }));
    }
  }

  // --- making a link ------------------------------------------------------------------

  begin(card) {
    this.stopLinking();
    this.linking = { from: card.dataset.cardId };
    card.classList.add('link-source');
    this.announce(fill(this.texts.linking ?? '', { from: this.cardText(this.linking.from) }));
  }

  finish(card) {
    const from = this.linking?.from;
    const to = card.dataset.cardId;
    if (!from) return;
    if (to === from) {
      this.announce(this.texts.sameCard ?? '', true);
      return;
    }
    this.stopLinking();
    const op = { op: 'create', type: 'link', id: newID('l'), fields: { from, to, kind: 'handoff' } };
    if (this.editor.apply(op)) {
      this.announce(fill(this.texts.created ?? '', { from: this.cardText(from), to: this.cardText(to) }));
    }
  }

  cancel() {
    const from = this.linking?.from;
    this.stopLinking();
    this.announce(this.texts.cancelled ?? '');
    const card = from && this.layer.card(from);
    if (card) this.editor.focus(card);
  }

  stopLinking() {
    this.linking = null;
    this.layer.stopTemp();
    for (const c of this.article.querySelectorAll('.card.link-source')) c.classList.remove('link-source');
    document.removeEventListener('mousemove', this.onMove);
    document.removeEventListener('mouseup', this.onUp);
  }

  // --- mouse --------------------------------------------------------------------------

  onMouseDown(e) {
    // The card pressed on is the one chosen, even if the page moves under the pointer
    // before the button is released (an announcement that goes, a card drawn above).
    this.pressed = this.linking && !e.shiftKey ? cardAt(e) : null;
    if (!e.shiftKey || e.button !== 0 || this.editor.editing) return;
    const card = e.target.closest?.('td.cell > .card');
    if (!card || e.target.closest('button, textarea, input, select, a')) return;
    // Shift and drag draws a link instead of moving the card or selecting text.
    e.preventDefault();
    e.stopPropagation();
    this.begin(card);
    this.layer.startTemp(card.dataset.cardId, e.clientX, e.clientY);
    this.onMove = (m) => this.layer.moveTemp(m.clientX, m.clientY);
    this.onUp = (u) => this.onMouseUp(u, card);
    document.addEventListener('mousemove', this.onMove);
    document.addEventListener('mouseup', this.onUp);
  }

  onMouseUp(e, source) {
    document.removeEventListener('mousemove', this.onMove);
    document.removeEventListener('mouseup', this.onUp);
    this.layer.stopTemp();
    const target = cardAt(e);
    if (target && target !== source) {
      this.finish(target);
      // The click that follows this mouseup is not a choice (nor a click on a cell).
      this.suppressClick = true;
      setTimeout(() => { this.suppressClick = false; }, 0);
    } else if (!target) {
      this.cancel();
    } // released on the card it started from: a click on the target will finish it
  }

  onClick(e) {
    if (this.suppressClick) {
      this.suppressClick = false;
      if (!this.linking) {
        e.stopPropagation();
        return;
      }
    }
    if (this.linking) {
      const pressed = this.pressed?.isConnected ? this.pressed : this.pressed && this.layer.card(this.pressed.dataset.cardId);
      const card = pressed ?? cardAt(e);
      e.preventDefault();
      e.stopPropagation();
      if (card && card.dataset.cardId !== this.linking.from) this.finish(card);
      else if (!card) this.cancel();
      return;
    }
    const bump = e.target.closest?.('[data-emotion-delta]');
    const card = bump?.closest('td.cell > .card');
    if (card) {
      e.stopPropagation();
      this.bump(card, Number(bump.dataset.emotionDelta));
      return;
    }
    const arrow = e.target.closest?.('.link-hit, .link-line, .link-badge')?.closest('g[data-link-id]');
    if (arrow) {
      e.stopPropagation();
      this.openDialog(arrow.dataset.linkId, null);
      return;
    }
    const row = e.target.closest?.('tr[data-link-id]');
    if (row) this.openDialog(row.dataset.linkId, row);
  }

  // --- emotion ------------------------------------------------------------------------

  // bump raises or lowers the emotion score of a card by one, within -2 and +2.
  bump(card, delta) {
    const id = card.dataset.cardId;
    const now = this.live.view()?.cards.get(id)?.emotion ?? 0;
    const next = Math.max(-2, Math.min(2, now + delta));
    if (next === now) {
      this.announce(fill(this.texts.emotionLimit ?? '', { score: signed(now) }));
      return;
    }
    if (this.editor.apply({ op: 'update', type: 'card', id, fields: { emotion: next } })) {
      this.announce(fill(this.texts.emotionSet ?? '', { score: signed(next) }));
    }
  }

  // --- the dialog ---------------------------------------------------------------------

  link(id) {
    return this.live.view()?.links.get(id) ?? null;
  }

  openDialog(id, row) {
    const link = this.link(id);
    if (!link) return;
    const active = document.activeElement;
    const card = active?.closest?.('td.cell > .card')?.dataset.cardId;
    this.editing = { id, back: row ? { row: id } : card ? { card } : { el: active }, opener: active, dirty: new Set() };
    this.showError('');
    this.fillForm(link, true);
    this.dialog.showModal();
  }

  // fillForm shows link in the dialog; with teams, it lists the teams again.
  fillForm(link, teams) {
    const f = this.form.elements;
    for (const r of this.form.querySelectorAll('input[name="kind"]')) r.checked = r.value === link.kind;
    f.critical.checked = !!link.critical;
    f.status.value = link.status || 'open';
    if (teams) {
      const owner = f.owner;
      while (owner.options.length > 1) owner.remove(1);
      for (const t of this.teams()) owner.add(new Option(t.name, t.id));
    }
    f.owner.value = link.owner ?? '';
    if (f.owner.value !== (link.owner ?? '')) f.owner.value = '';
    const ends = this.dialog.querySelector('[data-link-ends]');
    ends.textContent = fill(ends.dataset.text ?? '', { from: this.cardText(link.from), to: this.cardText(link.to) });
    this.fillAgreement(link, teams);
  }

  // fillAgreement shows who holds the link, the risk accepted and both sides'
  // acknowledgements. A field the person is typing in keeps what they typed; an empty
  // name proposes the page's person, an empty day today.
  fillAgreement(link, all) {
    const f = this.form.elements;
    if (!f.holder) return;
    const dirty = this.editing?.dirty ?? new Set();
    const put = (name, value, fallback = '') => {
      if (!all && dirty.has(name)) return;
      f[name].value = value || fallback;
    };
    const me = this.viewerName();
    const today = todayISO();
    put('holder', link.holder);
    const risk = link.risk ?? {};
    const accepted = !!(risk.by || risk.reason || risk.on);
    put('risk_by', risk.by, me);
    put('risk_reason', risk.reason);
    put('risk_on', risk.on, today);
    this.form.querySelector('[data-withdraw="risk"]').disabled = !accepted;
    this.form.querySelector('[data-link-risk]').classList.toggle('recorded', accepted);
    const view = this.live.view();
    for (const side of ['from', 'to']) {
      const ack = link[`ack_${side}`] ?? {};
      const done = !!(ack.by || ack.on);
      put(`ack_${side}_by`, ack.by, me);
      put(`ack_${side}_on`, ack.on, today);
      const box = this.form.querySelector(`[data-ack-side="${side}"]`);
      box.classList.toggle('recorded', done);
      box.querySelector(`[data-withdraw="ack_${side}"]`).disabled = !done;
      const card = view?.cards.get(link[side]);
      const team = card?.team ? view.teams.get(card.team)?.name : '';
      const key = side === 'from' ? 'linksAckSideFrom' : 'linksAckSideTo';
      box.querySelector('[data-ack-team]').textContent = fill(this.texts[key] ?? '{team}', { team: team || (this.texts.cardNoTeam ?? '') });
    }
  }

  // viewerName is the name of the page's person, when the page knows it.
  viewerName() {
    try {
      return JSON.parse(document.getElementById('board-viewer')?.textContent ?? 'null')?.name ?? '';
    } catch {
      return '';
    }
  }

  showError(text, field = null) {
    const el = this.dialog.querySelector('[data-link-error]');
    if (el) el.textContent = text;
    for (const x of this.form.querySelectorAll('[aria-invalid]')) x.removeAttribute('aria-invalid');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  // onRecordClick records a risk or an acknowledgement (all its fields in one op) or
  // withdraws it; what is missing is said in the dialog, with the focus on it.
  onRecordClick(e) {
    const b = e.target.closest?.('button[data-record], button[data-withdraw]');
    const id = this.editing?.id;
    const link = id && this.link(id);
    if (!b || !link) return;
    const f = this.form.elements;
    const field = b.dataset.record ?? b.dataset.withdraw;
    const risk = field === 'risk';
    let value;
    if (b.dataset.withdraw) {
      value = risk ? { by: '', reason: '', on: '' } : { by: '', on: '' };
    } else {
      const names = risk ? ['risk_by', 'risk_reason', 'risk_on'] : [`${field}_by`, `${field}_on`];
      const missing = names.find((n) => f[n].value.trim() === '');
      if (missing) {
        this.showError((risk ? this.texts.linksRiskMissing : this.texts.linksAckMissing) ?? '', f[missing]);
        return;
      }
      value = risk ? { by: f.risk_by.value.trim(), reason: f.risk_reason.value.trim(), on: f.risk_on.value }
        : { by: f[`${field}_by`].value.trim(), on: f[`${field}_on`].value };
    }
    this.showError('');
    for (const n of Object.keys(f)) if (n.startsWith(field === 'risk' ? 'risk_' : `${field}_`)) this.editing.dirty.delete(n);
    if (same(link[field] ?? {}, value)) return;
    if (!this.editor.apply({ op: 'update', type: 'link', id, fields: { [field]: value } })) return;
    const said = b.dataset.withdraw
      ? (risk ? this.texts.linksRiskWithdrawn : this.texts.linksAckWithdrawn)
      : (risk ? this.texts.linksRiskSaved : this.texts.linksAckSaved);
    this.announce(said ?? '');
  }

  // teams returns the board's teams by name: {id, name}.
  teams() {
    const list = [...(this.live.view()?.teams.values() ?? [])];
    return list.map((t) => ({ id: t.id, name: t.name })).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  }

  onChange(e) {
    const id = this.editing?.id;
    const link = id && this.link(id);
    if (!link) return;
    const el = e.target;
    let fields;
    switch (el.name) {
      case 'kind': fields = { kind: el.value }; break;
      case 'critical': fields = { critical: el.checked }; break;
      case 'status': fields = { status: el.value }; break;
      case 'owner': fields = { owner: el.value }; break;
      case 'holder': fields = { holder: el.value.trim() }; this.editing.dirty.delete('holder'); break;
      default: return;
    }
    const [k, v] = Object.entries(fields)[0];
    if ((link[k] ?? '') === v) return;
    this.editor.apply({ op: 'update', type: 'link', id, fields });
  }

  deleteLink() {
    const id = this.editing?.id;
    if (!id) return;
    if (this.editor.apply({ op: 'delete', type: 'link', id })) this.announce(this.texts.deleted ?? '');
    this.dialog.close();
  }

  // onClose gives the focus back to where it was when the dialog opened, found again in
  // the board as it is now (the row or card may be gone meanwhile).
  onClose() {
    const back = this.editing?.back;
    const opener = this.editing?.opener;
    this.editing = null;
    if (!focusLeftAlone(this.dialog, opener)) return;
    let el = null;
    if (back?.row) el = this.article.querySelector(`tr[data-link-id="${CSS.escape(back.row)}"]`) ?? this.article.querySelector('tr[data-link-id]');
    else if (back?.card) el = this.layer.card(back.card);
    else if (back?.el?.isConnected) el = back.el;
    if (!el) el = this.article.querySelector('td.cell[tabindex="0"], td.cell > .card[tabindex="0"]');
    el?.focus();
  }
}

// cardAt returns the card under the pointer of a mouse event: its target's, or else the
// one under an arrow drawn over it.
function cardAt(e) {
  const sel = 'td.cell > .card';
  const hit = e.target.closest?.(sel);
  if (hit?.isConnected) return hit;
  for (const el of document.elementsFromPoint(e.clientX, e.clientY)) {
    const card = el.closest(sel);
    if (card) return card;
  }
  return null;
}

function signed(n) { return n > 0 ? `+${n}` : String(n); }

// quoted returns text cut to QUOTED characters, with an ellipsis when it was longer.
function quoted(text) {
  const chars = [...text];
  return chars.length > QUOTED ? `${chars.slice(0, QUOTED).join('')}…` : text;
}


// overlay reports whether node is in the layer of others' pointers (presence.js).
function overlay(node) {
  const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return !!el?.closest('.cursors');
}

// The link dialog's fields that a person types in, which others' changes of the link do
// not overwrite while they do.
const RECORD_FIELDS = new Set(['holder', 'risk_by', 'risk_reason', 'risk_on', 'ack_from_by', 'ack_from_on', 'ack_to_by', 'ack_to_on']);

// todayISO is the page's day, as the analysis fields write a day (YYYY-MM-DD).
function todayISO() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
