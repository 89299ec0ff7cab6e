// select.js — selecting several cards and moving or deleting them together, for the
// in-place editor (editor.js). Shift+click, Ctrl+click or Shift+Space on a card adds it to
// the selection or takes it out; with more than one card selected, Alt+arrow and dragging
// one of them move them all, and Delete deletes them all, each as one step of the undo
// history (editor.applyAll). Escape clears the selection.
//
// Its listeners run before the editor's (capture phase on the article): what they handle
// goes no further; everything else reaches the editor as before.

import { fill, keyBetween } from './live-core.js';

export class Selection {
  /** @param {import('./editor.js').Editor} editor */
  constructor(editor) {
    this.editor = editor;
    this.article = editor.article;
    this.ids = new Set();
    const tools = document.querySelector('[data-board-tools]');
    this.texts = tools?.dataset ?? {};
    this.plural = new Intl.PluralRules(document.documentElement.lang || 'en');

    this.article.addEventListener('click', (e) => this.onClick(e), true);
    this.article.addEventListener('keydown', (e) => this.onKey(e), true);
    this.article.addEventListener('drop', (e) => this.onDrop(e), true);
    // The renderer draws a card anew only when it comes back (an undone delete): marked
    // again, as its id is still selected.
    this.article.addEventListener('board:render', (e) => { if (this.ids.size && e.detail.card.size) this.mark(); });
    this.grid()?.setAttribute('aria-multiselectable', 'true');
  }

  grid() { return this.article.querySelector('table.blueprint'); }

  // cards returns the selected cards the grid shows, in the grid's order.
  cards() {
    return [...this.article.querySelectorAll('td.cell > .card[aria-selected="true"]')];
  }

  toggle(card) {
    const id = card.dataset.cardId;
    if (this.ids.has(id)) this.ids.delete(id);
    else this.ids.add(id);
    this.mark();
    this.say();
  }

  clear() {
    if (this.ids.size === 0) return false;
    this.ids.clear();
    this.mark();
    return true;
  }

  // mark shows the selection on the cards of the grid, and forgets the cards gone.
  mark() {
    this.grid()?.setAttribute('aria-multiselectable', 'true');
    for (const card of this.article.querySelectorAll('td.cell > .card[aria-selected="true"]')) {
      if (!this.ids.has(card.dataset.cardId)) {
        card.removeAttribute('aria-selected');
        card.querySelector(':scope > .card-selected')?.remove();
      }
    }
    for (const id of [...this.ids]) {
      const card = this.editor.card(id);
      if (!card) {
        this.ids.delete(id);
        continue;
      }
      card.setAttribute('aria-selected', 'true');
      if (!card.querySelector(':scope > .card-selected')) {
        const mark = document.createElement('span');
        mark.className = 'card-selected visually-hidden';
        mark.textContent = this.texts.selectedMark ?? '';
        card.append(mark);
      }
    }
  }

  say() {
    const n = this.ids.size;
    const form = this.plural.select(n) === 'one' ? this.texts.selectedOne : this.texts.selectedOther;
    if (form) this.editor.announce(fill(form, { n }));
  }

  // several reports whether an action on card is to act on the whole selection.
  several(card) {
    return this.ids.size > 1 && this.ids.has(card.dataset.cardId);
  }

  onClick(e) {
    if (this.editor.editing) return;
    const card = e.target.closest?.('td.cell > .card');
    if (!(e.shiftKey || e.ctrlKey || e.metaKey)) {
      // A plain click on a card outside the selection starts afresh.
      if (card && !this.ids.has(card.dataset.cardId) && !e.target.closest('button')) this.clear();
      return;
    }
    if (!card || e.target.closest('button, a, textarea')) return;
    e.preventDefault();
    e.stopPropagation();
    this.toggle(card);
    this.editor.focus(card);
  }

  onKey(e) {
    const card = e.target;
    if (!card.matches?.('td.cell > .card') || this.editor.editing || e.ctrlKey || e.metaKey) return;
    const stop = () => { e.preventDefault(); e.stopPropagation(); };
    if (e.key === ' ' && e.shiftKey && !e.altKey) {
      stop();
      this.toggle(card);
    } else if (e.key === 'Escape' && this.ids.size > 0 && !e.altKey) {
      stop();
      this.clear();
      this.say();
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && this.several(card)) {
      stop();
      this.remove(card);
    } else if (e.altKey && arrowOf(e.key) && this.several(card)) {
      stop();
      this.step(card, ...arrowOf(e.key));
    }
  }

  onDrop(e) {
    const dragged = this.editor.dragged && this.editor.card(this.editor.dragged);
    const cell = e.target.closest?.('td.cell');
    if (!dragged || !cell || !this.several(dragged)) return;
    e.preventDefault();
    e.stopPropagation();
    const moving = this.cards();
    const others = this.editor.cardsOf(cell).filter((c) => !moving.includes(c));
    const i = others.findIndex((c) => {
      const r = c.getBoundingClientRect();
      return e.clientY < r.top + r.height / 2;
    });
    const at = i < 0 ? others.length : i;
    const order = (el) => (el ? this.editor.state(el.dataset.cardId)?.order ?? '' : '');
    const ops = this.placeOps(moving, cell, order(others[at - 1]), order(others[at]));
    this.editor.onDragEnd();
    if (ops) this.apply(ops, dragged.dataset.cardId);
  }

  // step moves every selected card to the neighbouring cell in a direction, keeping their
  // order; when one of them has no neighbour there, none moves.
  step(focused, dx, dy) {
    const moving = this.cards();
    const targets = new Map(); // cell → cards going there
    for (const card of moving) {
      const to = this.editor.neighbour(card.closest('td.cell'), dx, dy);
      if (!to) {
        this.editor.announce(this.texts.selectNoRoom ?? '', true);
        return;
      }
      if (!targets.has(to)) targets.set(to, []);
      targets.get(to).push(card);
    }
    const ops = [];
    for (const [cell, cards] of targets) {
      const ids = new Set(moving.map((c) => c.dataset.cardId));
      const staying = this.editor.cardsOf(cell).filter((c) => !ids.has(c.dataset.cardId));
      const part = this.placeOps(cards, cell, this.editor.state(staying.at(-1)?.dataset.cardId ?? '')?.order ?? '', '');
      if (!part) return;
      ops.push(...part);
    }
    this.apply(ops, focused.dataset.cardId);
  }

  // placeOps returns the ops putting cards, in order, into cell between the order keys
  // before and after ('' for an end), or null when no key fits.
  placeOps(cards, cell, before, after) {
    const ops = [];
    let prev = before;
    try {
      for (const card of cards) {
        const order = after && prev >= after ? keyBetween(prev, '') : keyBetween(prev, after);
        ops.push({ op: 'update', type: 'card', id: card.dataset.cardId,
          fields: { stage: cell.dataset.stageId, lane: cell.dataset.laneId, order } });
        prev = order;
      }
    } catch {
      return null;
    }
    return ops;
  }

  apply(ops, focusID) {
    if (this.editor.applyAll(ops)) {
      this.mark();
      this.editor.focus(this.editor.card(focusID));
    }
  }

  remove(card) {
    const cards = this.cards();
    const cell = card.closest('td.cell');
    const ops = cards.map((c) => ({ op: 'delete', type: 'card', id: c.dataset.cardId }));
    if (this.editor.applyAll(ops)) {
      this.ids.clear();
      this.editor.announce(this.editor.texts.deleted ?? '');
      this.editor.focus(cell);
    }
  }
}

function arrowOf(key) {
  switch (key) {
    case 'ArrowLeft': return [-1, 0];
    case 'ArrowRight': return [1, 0];
    case 'ArrowUp': return [0, -1];
    case 'ArrowDown': return [0, 1];
    default: return null;
  }
}
