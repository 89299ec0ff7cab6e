// zoom.js — zoom and pan of the board's grid, for everyone on the page (it does not need
// the editor). The scale is the CSS zoom of the grid, kept as a custom property on the
// article, which the renderer never replaces. Panning scrolls the .board-scroll container:
// with the scroll bars or the wheel, by dragging with the space bar held, or with the
// middle button.
//
// Keys, when the focus is not in a text field: "+" zooms in, "-" out, "0" back to 100 %,
// "f" fits the whole grid to the screen. Ctrl + wheel zooms around the pointer.

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 2;
const STEP = 1.25; // factor of one zoom step
const MARGIN = 8; // px kept free around a fitted grid

export class Zoom {
  /**
   * @param {HTMLElement} article the article.board
   * @param {HTMLElement} tools the board's tool bar (BoardTools), holding the buttons
   */
  constructor(article, tools) {
    this.article = article;
    this.tools = tools;
    this.level = tools.querySelector('[data-zoom-level]');
    this.scale = 1;
    this.space = false; // the space bar is held: a drag pans
    this.pan = null; // {x, y, left, top, id}: a pan under way
    this.keyAt = -Infinity; // when a key was last pressed
    this.apply(1);

    tools.addEventListener('click', (e) => {
      const b = e.target.closest?.('button[data-zoom]');
      if (b) this.command(b.dataset.zoom);
    });
    document.addEventListener('keydown', (e) => this.onKey(e));
    document.addEventListener('keydown', () => { this.keyAt = performance.now(); }, true);
    article.addEventListener('focusin', (e) => this.onFocus(e));
    document.addEventListener('keyup', (e) => { if (e.key === ' ') this.setSpace(false); });
    window.addEventListener('blur', () => this.setSpace(false));
    article.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    article.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    article.addEventListener('pointermove', (e) => this.onPointerMove(e));
    article.addEventListener('pointerup', (e) => this.endPan(e));
    article.addEventListener('pointercancel', (e) => this.endPan(e));
    // While panning, a press on a card must not start dragging it.
    article.addEventListener('dragstart', (e) => { if (this.space || this.pan) e.preventDefault(); }, true);
    // The middle button's click would otherwise open the browser's autoscroll.
    article.addEventListener('mousedown', (e) => { if (e.button === 1 && this.scroller()?.contains(e.target)) e.preventDefault(); });
  }

  grid() { return this.article.querySelector('table.blueprint'); }

  scroller() { return this.article.querySelector('.board-scroll'); }

  command(name) {
    switch (name) {
      case 'in': this.zoomBy(STEP); break;
      case 'out': this.zoomBy(1 / STEP); break;
      case 'reset': this.zoomTo(1); break;
      case 'fit': this.fit(); break;
      default:
    }
  }

  // apply sets the scale of the grid, within bounds, and shows it in the tool bar.
  apply(scale) {
    this.scale = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, scale));
    this.article.style.setProperty('--board-zoom', String(this.scale));
    this.article.dataset.zoom = String(this.scale);
    if (this.level) this.level.textContent = `${Math.round(this.scale * 100)} %`;
    for (const [name, off] of [['in', this.scale >= MAX_ZOOM], ['out', this.scale <= MIN_ZOOM]]) {
      const b = this.tools.querySelector(`button[data-zoom="${name}"]`);
      if (b) b.disabled = off;
    }
  }

  zoomBy(factor) {
    this.zoomTo(this.scale * factor);
  }

  // zoomTo changes the scale keeping still the point of the grid at the client position
  // (x, y), by default the middle of what the scroller shows.
  zoomTo(scale, x, y) {
    const scroller = this.scroller();
    const grid = this.grid();
    if (!scroller || !grid) {
      this.apply(scale);
      return;
    }
    const view = scroller.getBoundingClientRect();
    x ??= view.left + scroller.clientWidth / 2;
    y ??= view.top + scroller.clientHeight / 2;
    const before = grid.getBoundingClientRect();
    const bx = (x - before.left) / this.scale;
    const by = (y - before.top) / this.scale;
    this.apply(scale);
    const after = grid.getBoundingClientRect();
    scroller.scrollLeft += after.left + bx * this.scale - x;
    scroller.scrollTop += after.top + by * this.scale - y;
    this.changed();
  }

  // fit chooses the scale at which the whole grid fits in the scroller's width and in the
  // window's height below the tool bar, and brings the grid into view.
  fit() {
    const scroller = this.scroller();
    const grid = this.grid();
    if (!scroller || !grid) return;
    const r = grid.getBoundingClientRect();
    const width = r.width / this.scale;
    const height = r.height / this.scale;
    const top = this.tools.getBoundingClientRect().bottom;
    const chrome = scroller.offsetHeight - scroller.clientHeight; // border and scroll bar
    const availW = scroller.clientWidth - 2;
    const availH = window.innerHeight - (top > 0 ? top : 0) - chrome - 2 * MARGIN;
    if (width <= 0 || height <= 0) return;
    // Zoom rounds sizes to whole pixels: stay a little under the exact fit.
    this.apply(Math.min(availW / width, availH / height) * 0.99);
    scroller.scrollLeft = 0;
    scroller.scrollTop = 0;
    const toolsBottom = Math.max(0, this.tools.getBoundingClientRect().bottom);
    window.scrollBy(0, scroller.getBoundingClientRect().top - toolsBottom - MARGIN);
    this.changed();
  }

  // changed tells the page that the scale changed: by the person (source ''), or by
  // follow.js showing someone else's view (source 'follow').
  changed(source = '') {
    this.article.dispatchEvent(new CustomEvent('board:zoom', { detail: { scale: this.scale, source } }));
  }

  // view returns what the page shows of the board, for those who follow it (follow.js):
  // the point of the grid at the centre of the scroller, in board coordinates (CSS pixels
  // from the grid's top left corner at 100 %), and the scale.
  view() {
    const scroller = this.scroller();
    const grid = this.grid();
    if (!scroller || !grid) return null;
    const c = centre(scroller);
    const g = grid.getBoundingClientRect();
    const round = (n) => Math.round(n * 10) / 10;
    return { x: round((c.x - g.left) / this.scale), y: round((c.y - g.top) / this.scale), zoom: this.scale };
  }

  // show puts the point (x, y) of the grid, in board coordinates, at the centre of the
  // scroller at the scale zoom: the view of someone this page follows. It returns where
  // the scroller was scrolled to, {left, top}, as the browser clamped it.
  show({ x, y, zoom }) {
    const scroller = this.scroller();
    const grid = this.grid();
    this.apply(zoom);
    if (!scroller || !grid) return null;
    const c = centre(scroller);
    const g = grid.getBoundingClientRect();
    scroller.scrollLeft += g.left + x * this.scale - c.x;
    scroller.scrollTop += g.top + y * this.scale - c.y;
    this.changed('follow');
    return { left: scroller.scrollLeft, top: scroller.scrollTop };
  }

  onKey(e) {
    if (e.defaultPrevented || isTyping(e.target)) return;
    if (e.key === ' ' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
      // Held over the board, the space bar turns a drag into a pan (as in drawing tools);
      // on a button or a link it keeps its own meaning.
      if (e.target.closest?.('button, a, summary, [role="button"]')) return;
      if (!this.article.contains(e.target) && e.target !== document.body) return;
      e.preventDefault();
      this.setSpace(true);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const name = { '+': 'in', '=': 'in', '-': 'out', '0': 'reset', f: 'fit', F: 'fit' }[e.key];
    if (!name) return;
    e.preventDefault();
    this.command(name);
  }

  setSpace(on) {
    if (this.space === on) return;
    this.space = on;
    this.article.classList.toggle('pan-ready', on);
  }

  // onFocus brings a cell or card that the keyboard focused wholly into view, clear of
  // the sticky stage headings and lane labels, at any scale. The browser's own scrolling
  // on focus stops at a partly visible cell. A focus given without a key pressed leaves
  // the view where the person put it.
  onFocus(e) {
    const el = e.target;
    const scroller = this.scroller();
    if (!el.matches?.('td.cell, td.cell > .card') || !scroller?.contains(el)) return;
    if (performance.now() - this.keyAt > 500) return;
    reveal(scroller, el);
  }

  onWheel(e) {
    if (!e.ctrlKey || !this.scroller()?.contains(e.target)) return;
    e.preventDefault(); // the browser would zoom the whole page
    // One notch (about 100 px) is one step; a touchpad's pinch sends small deltas.
    const factor = STEP ** (-e.deltaY / 100);
    this.zoomTo(this.scale * factor, e.clientX, e.clientY);
  }

  onPointerDown(e) {
    const scroller = this.scroller();
    if (!scroller?.contains(e.target)) return;
    if (!(e.button === 1 || (e.button === 0 && this.space))) return;
    e.preventDefault();
    this.pan = { x: e.clientX, y: e.clientY, left: scroller.scrollLeft, top: scroller.scrollTop, id: e.pointerId };
    scroller.setPointerCapture?.(e.pointerId);
    this.article.classList.add('panning');
  }

  onPointerMove(e) {
    if (!this.pan || e.pointerId !== this.pan.id) return;
    const scroller = this.scroller();
    if (!scroller) return;
    scroller.scrollLeft = this.pan.left - (e.clientX - this.pan.x);
    scroller.scrollTop = this.pan.top - (e.clientY - this.pan.y);
  }

  endPan(e) {
    if (!this.pan || e.pointerId !== this.pan.id) return;
    this.pan = null;
    this.article.classList.remove('panning');
  }
}

// centre returns the client coordinates of the middle of what scroller shows.
function centre(scroller) {
  const v = scroller.getBoundingClientRect();
  return { x: v.left + scroller.clientLeft + scroller.clientWidth / 2, y: v.top + scroller.clientTop + scroller.clientHeight / 2 };
}

// reveal scrolls scroller so that el is inside what it shows, below its sticky header
// row and right of the sticky lane label of el's row.
function reveal(scroller, el) {
  const r = el.getBoundingClientRect();
  const v = scroller.getBoundingClientRect();
  const head = scroller.querySelector('thead')?.getBoundingClientRect().height ?? 0;
  const label = el.closest('tr')?.querySelector('.lane-label')?.getBoundingClientRect().width ?? 0;
  const left = v.left + scroller.clientLeft + label;
  const right = v.left + scroller.clientLeft + scroller.clientWidth;
  const top = v.top + scroller.clientTop + head;
  const bottom = v.top + scroller.clientTop + scroller.clientHeight;
  // An element larger than the view shows its start.
  if (r.left < left) scroller.scrollLeft -= left - r.left;
  else if (r.right > right) scroller.scrollLeft += Math.min(r.right - right, r.left - left);
  if (r.top < top) scroller.scrollTop -= top - r.top;
  else if (r.bottom > bottom) scroller.scrollTop += Math.min(r.bottom - bottom, r.top - top);
}

function isTyping(el) {
  return !!el?.closest?.('input, textarea, select, [contenteditable="true"]');
}
