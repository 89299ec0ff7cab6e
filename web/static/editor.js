// editor.js — edits the cards of a live board in place: add, edit the text, move (drag or
// Alt+arrow), delete, keyboard navigation of the grid, undo and redo of one's own edits.
// Every change is an op sent through the page's LiveBoard (live.js): the op is pending in
// the LiveBoard's view at once, and the renderer (render.js) draws the view, so the grid
// shows it before the server confirms or refuses it. What the editor needs to know of the
// board (texts, order keys) it reads from the view, never from the grid. Texts come from
// the data attributes of the page's editor element (rendered by the server, in the page's
// language); a new card, while its text is typed, is drawn by the renderer too.

import { compareStrings, entityOf, fill, keyBetween, newID } from './live-core.js';
import { describe, planStep, undoOf } from './undo.js';
import { Selection } from './select.js';

const HISTORY = 200; // undo steps kept
const LOCK_REFRESH = 10000; // ms between presence frames while editing (the lock lasts 30 s)
const NOTE_FOR = 5000; // ms a note (not an error) stays in the announcement line

/**
 * startEditor makes the board of article editable.
 * @param {object} o
 * @param {HTMLElement} o.article the article.board
 * @param {import('./live.js').LiveBoard} o.live
 * @param {import('./render.js').Renderer} o.renderer draws the board
 * @returns {Editor|null}
 */
export function startEditor({ article, live, renderer }) {
  const ui = document.querySelector('[data-editor-ui]');
  if (!ui) return null;
  return new Editor(article, live, renderer, ui);
}

export class Editor {
  constructor(article, live, renderer, ui) {
    this.article = article;
    this.live = live;
    this.renderer = renderer;
    this.ui = ui;
    this.texts = ui.dataset;
    this.undoTexts = ui.querySelector('[data-undo-texts]')?.dataset ?? {};
    this.announcer = ui.querySelector('[data-editor-announce]');
    this.help = ui.querySelector('[data-editor-help]');
    this.undoStack = [];
    this.redoStack = [];
    this.editing = null; // {id, isNew, card, textarea, stage, lane, order}
    this.current = null; // {card} or {stage, lane}: the grid's roving tab stop
    this.dragged = '';
    this.locks = new Map(); // card id → name of the other person editing it

    article.addEventListener('keydown', (e) => this.onKey(e));
    article.addEventListener('click', (e) => this.onClick(e));
    article.addEventListener('dblclick', (e) => this.onDoubleClick(e));
    article.addEventListener('submit', (e) => this.onSubmit(e));
    article.addEventListener('focusin', (e) => this.onFocus(e));
    article.addEventListener('dragstart', (e) => this.onDragStart(e));
    article.addEventListener('dragover', (e) => this.onDragOver(e));
    article.addEventListener('dragleave', (e) => this.onDragLeave(e));
    article.addEventListener('drop', (e) => this.onDrop(e));
    article.addEventListener('dragend', () => this.onDragEnd());
    document.addEventListener('keydown', (e) => this.onDocumentKey(e));
    ui.querySelector('[data-editor-help-close]')?.addEventListener('click', () => this.toggleHelp(false));

    live.addEventListener('nack', (e) => this.onNack(e.detail));
    live.addEventListener('lock', (e) => this.onLock(e.detail));
    live.addEventListener('peers', (e) => this.onPeers(e.detail.peers));
    article.addEventListener('board:render', (e) => this.onRender(e.detail));
    this.onPeers([...live.peers.values()]); // those who came before this module loaded
    this.selection = new Selection(this); // several cards at once
    this.prepare();
  }

  // --- the grid -----------------------------------------------------------------------

  cells() { return [...this.article.querySelectorAll('td.cell')]; }

  cell(stage, lane) {
    return this.article.querySelector(`td.cell[data-stage-id="${CSS.escape(stage)}"][data-lane-id="${CSS.escape(lane)}"]`);
  }

  card(id) {
    return this.article.querySelector(`.card[data-card-id="${CSS.escape(id)}"]`);
  }

  cardsOf(cell) { return [...cell.querySelectorAll(':scope > .card')]; }

  // prepare makes the grid's cells and cards focusable (one tab stop, the current one)
  // and the cards draggable, when the editor starts.
  prepare() {
    const grid = this.article.querySelector('table.blueprint');
    if (grid) grid.setAttribute('aria-keyshortcuts', 'n Enter Delete Alt+ArrowRight Shift+Space Control+Z ?');
    for (const cell of this.cells()) cell.tabIndex = -1;
    for (const card of this.article.querySelectorAll('td.cell > .card')) this.prepareCard(card);
    this.keepStop();
    this.showLocks();
  }

  prepareCard(card) {
    if (card.hasAttribute('tabindex')) return;
    card.tabIndex = -1;
    card.draggable = !card.classList.contains('editing');
  }

  // keepStop makes sure the grid has its one tab stop: the current cell or card, or the
  // first cell when that one is gone.
  keepStop() {
    let stop = null;
    if (this.current?.card) stop = this.card(this.current.card);
    else if (this.current) stop = this.cell(this.current.stage, this.current.lane);
    stop ??= this.article.querySelector('td.cell');
    if (stop && stop.tabIndex !== 0) this.setCurrent(stop);
  }

  // onRender prepares what the renderer drew anew: the cards it drew, the cells of new
  // stages and lanes. An open text editor whose card is gone (someone deleted it, or the
  // stage or lane of a new card) closes, and the person is told what was not saved.
  onRender(ch) {
    for (const id of ch.card) {
      const card = this.card(id);
      if (card) this.prepareCard(card);
    }
    if (ch.stage.size || ch.lane.size) for (const cell of this.article.querySelectorAll('td.cell:not([tabindex])')) cell.tabIndex = -1;
    const ed = this.editing;
    if (ed && !ed.isNew && !this.stillThere(ed)) this.lost(ed, 'card', ed.id, this.texts.editingDeleted);
    else if (ed?.isNew && !this.stillThere(ed)) {
      const view = this.live.view();
      const gone = !view?.stages.has(ed.stage) ? ['stage', ed.stage] : ['lane', ed.lane];
      this.lost(ed, ...gone, this.texts.writingGone);
    }
    this.keepStop();
    if (this.locks.size && ch.card.size) this.showLocks();
  }

  // stillThere reports whether what the editor ed edits is still on the board: its card,
  // or for a new card the stage and the shown lane it goes in.
  stillThere(ed) {
    const view = this.live.view();
    if (!view) return true;
    if (!ed.isNew) return view.cards.has(ed.id);
    const lane = view.lanes.get(ed.lane);
    return view.stages.has(ed.stage) && !!lane && !lane.hidden;
  }

  // lost closes the editor ed, whose card, or the place of the new card, is gone: type
  // and id name what went, text says so.
  lost(ed, type, id, text) {
    const typed = ed.textarea.value;
    this.editing = null;
    clearInterval(ed.keepalive);
    ed.textarea.remove();
    if (ed.isNew) ed.card.remove();
    else this.live.setPresence({ editing: '' });
    const name = this.live.replica.origins.deleted(type, id) ?? this.texts.someone ?? '';
    this.announce(fill(text ?? '', { name, text: typed }), true);
  }

  setCurrent(el) {
    for (const old of this.article.querySelectorAll('td.cell[tabindex="0"], td.cell > .card[tabindex="0"]')) old.tabIndex = -1;
    el.tabIndex = 0;
    this.current = el.matches('.card') ? { card: el.dataset.cardId } : { stage: el.dataset.stageId, lane: el.dataset.laneId };
  }

  focus(el) {
    if (!el) return;
    this.setCurrent(el);
    el.focus();
  }

  onFocus(e) {
    const el = e.target;
    if (el.matches?.('td.cell, td.cell > .card')) this.setCurrent(el);
  }

  // neighbour returns the cell next to cell in a direction (dx, dy), or null.
  neighbour(cell, dx, dy) {
    const row = cell.parentElement;
    if (dx !== 0) {
      let c = dx < 0 ? cell.previousElementSibling : cell.nextElementSibling;
      while (c && !c.matches('td.cell')) c = dx < 0 ? c.previousElementSibling : c.nextElementSibling;
      return c;
    }
    let r = dy < 0 ? row.previousElementSibling : row.nextElementSibling;
    while (r && !r.matches('tr.lane')) r = dy < 0 ? r.previousElementSibling : r.nextElementSibling;
    return r?.querySelector(`td.cell[data-stage-id="${CSS.escape(cell.dataset.stageId)}"]`) ?? null;
  }

  // --- keyboard -----------------------------------------------------------------------

  onDocumentKey(e) {
    if (e.defaultPrevented || isTyping(e.target)) return;
    if (e.key === '?' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      this.toggleHelp();
    } else if (e.key === 'Escape' && !this.help.hidden) {
      e.preventDefault();
      this.toggleHelp(false);
    } else if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'z') {
      e.preventDefault();
      if (e.shiftKey) this.redo();
      else this.undo();
    } else if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'y') {
      e.preventDefault();
      this.redo();
    }
  }

  onKey(e) {
    if (this.editing && e.target === this.editing.textarea) {
      this.onEditorKey(e);
      return;
    }
    const el = e.target;
    if (el.matches('td.cell')) this.onCellKey(e, el);
    else if (el.matches('td.cell > .card')) this.onCardKey(e, el);
  }

  onCellKey(e, cell) {
    if (e.ctrlKey || e.metaKey) return;
    const arrow = arrowOf(e.key);
    if (arrow && !e.altKey) {
      e.preventDefault();
      this.focus(this.neighbour(cell, ...arrow));
    } else if (e.key === 'n' || e.key === 'N') {
      e.preventDefault();
      this.newCard(cell, e.key);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      this.focus(this.cardsOf(cell)[0]);
    }
  }

  onCardKey(e, card) {
    if (e.ctrlKey || e.metaKey) return;
    const cell = card.closest('td.cell');
    const arrow = arrowOf(e.key);
    if (arrow && e.altKey) {
      e.preventDefault();
      this.moveToCell(card, this.neighbour(cell, ...arrow));
    } else if (arrow) {
      e.preventDefault();
      const [dx, dy] = arrow;
      if (dy < 0) this.focus(card.previousElementSibling?.matches('.card') ? card.previousElementSibling : cell);
      else if (dy > 0 && card.nextElementSibling?.matches('.card')) this.focus(card.nextElementSibling);
      else if (dy > 0) this.focus(this.neighbour(cell, 0, 1));
      else this.focus(this.neighbour(cell, dx, 0));
    } else if (e.key === 'Enter' || e.key === 'F2') {
      e.preventDefault();
      this.edit(card, e.key);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      this.remove(card);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.focus(cell);
    } else if (e.key === 'n' || e.key === 'N') {
      e.preventDefault();
      this.newCard(cell, e.key);
    }
  }

  onEditorKey(e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.commit();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.cancel();
    }
    e.stopPropagation();
  }

  toggleHelp(show = this.help.hidden) {
    this.help.hidden = !show;
    if (show) {
      this.helpReturn = document.activeElement;
      this.help.focus();
    } else if (this.helpReturn?.isConnected) {
      this.helpReturn.focus();
    }
  }

  // --- mouse --------------------------------------------------------------------------

  onClick(e) {
    if (e.target.matches?.('td.cell') && !this.editing) this.newCard(e.target);
  }

  onDoubleClick(e) {
    const card = e.target.closest?.('td.cell > .card');
    // A double-click on the detail or the times opens their dialog instead (details.js).
    if (card && !e.target.closest('textarea, button, .card-detail, .card-time')) this.edit(card);
  }

  onSubmit(e) {
    const form = e.target;
    if (!form.matches('.card-delete')) return;
    const card = form.closest('.card[data-card-id]');
    if (!card) return;
    e.preventDefault();
    this.remove(card);
  }

  onDragStart(e) {
    const card = e.target.closest?.('td.cell > .card');
    if (!card || this.editing) {
      if (card) e.preventDefault();
      return;
    }
    this.dragged = card.dataset.cardId;
    card.classList.add('dragging');
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', this.state(this.dragged)?.text ?? '');
  }

  onDragOver(e) {
    if (!this.dragged) return;
    const cell = e.target.closest?.('td.cell');
    if (!cell) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    for (const c of this.article.querySelectorAll('td.cell.drop-target')) if (c !== cell) c.classList.remove('drop-target');
    cell.classList.add('drop-target');
  }

  onDragLeave(e) {
    const cell = e.target.closest?.('td.cell');
    if (cell && !cell.contains(e.relatedTarget)) cell.classList.remove('drop-target');
  }

  onDrop(e) {
    const cell = e.target.closest?.('td.cell');
    const card = this.dragged && this.card(this.dragged);
    if (!cell || !card) return;
    e.preventDefault();
    // The card goes before the first card whose middle is below the pointer.
    const others = this.cardsOf(cell).filter((c) => c !== card);
    const i = others.findIndex((c) => {
      const r = c.getBoundingClientRect();
      return e.clientY < r.top + r.height / 2;
    });
    this.moveTo(card, cell, i < 0 ? others.length : i);
    this.onDragEnd();
  }

  onDragEnd() {
    this.card(this.dragged)?.classList.remove('dragging');
    for (const c of this.article.querySelectorAll('td.cell.drop-target')) c.classList.remove('drop-target');
    this.dragged = '';
  }

  // --- edits --------------------------------------------------------------------------

  // state returns a copy of a card as the LiveBoard's view holds it, or null.
  state(id) {
    const c = this.live.view()?.cards.get(id);
    return c ? { ...c } : null;
  }

  // orders returns the order keys of the cards of a cell, top to bottom, as the view holds
  // them, without the card skip.
  orders(stage, lane, skip = '') {
    const view = this.live.view();
    if (!view) return [];
    return [...view.cards.values()].filter((c) => c.stage === stage && c.lane === lane && c.id !== skip)
      .sort((a, b) => compareStrings(a.order, b.order) || compareStrings(a.id, b.id)).map((c) => c.order);
  }

  // inverse returns what undoes op (guarded ops, undo.js), from the state before it: the
  // LiveBoard's view.
  inverse(op) {
    const view = this.live.view();
    return view ? undoOf(view, op, this.live.replica.origins) : [];
  }

  // apply sends op, shows it, and keeps its inverse on the undo stack (or, for an undo,
  // on the redo stack). A new edit forgets what was undone.
  apply(op, opts) {
    return this.applyAll([op], opts);
  }

  // applyAll sends ops as one step of the history: one undo takes them all back. by is
  // given for an undo or a redo: for each op, who made the values it puts back.
  applyAll(ops, { stack = 'undo', fresh = true, by = [] } = {}) {
    const back = [];
    const keys = [];
    for (const [i, op] of ops.entries()) {
      const inv = this.inverse(op);
      try {
        keys.push(this.live.submit(op));
      } catch (err) {
        this.announce(this.refusal(err), true);
        break;
      }
      if (by[i]) this.live.replica.origins.restores(keys.at(-1), by[i]);
      back.unshift(...inv);
    }
    if (keys.length === 0) return false;
    if (back.length) {
      const s = stack === 'redo' ? this.redoStack : this.undoStack;
      s.push({ ops: back, keys });
      if (s.length > HISTORY) s.shift();
    }
    if (fresh) this.redoStack = [];
    return true;
  }

  // refusal says, in the page's language, why the page itself refused an op before
  // sending it (the replica's check): one sentence per error code, as the server's own
  // refusals are said in the page's language too.
  refusal(err) {
    const byCode = {
      invalid: this.texts.refusedInvalid, not_found: this.texts.refusedNotFound,
      conflict: this.texts.refusedConflict, too_large: this.texts.refusedTooLarge,
    };
    return byCode[err?.code] ?? this.texts.refused ?? String(err?.message ?? err);
  }

  undo() {
    this.takeBack('undo');
  }

  redo() {
    this.takeBack('redo');
  }

  // takeBack undoes (or redoes) the last step of that stack as far as it still applies:
  // what someone else changed since stays as they made it, the rest goes back, and the
  // person is told who changed what (undo.js decides; docs/undo.md). What is sent makes a
  // step of the other stack.
  takeBack(which) {
    const step = (which === 'undo' ? this.undoStack : this.redoStack).pop();
    if (!step) {
      this.announce(which === 'undo' ? this.texts.nothingToUndo : this.undoTexts.nothingToRedo);
      return;
    }
    this.closeEditor();
    const plan = planStep(this.live.view(), this.live.replica.origins, step.ops);
    if (plan.ops.length && !this.applyAll(plan.ops, { stack: which === 'undo' ? 'redo' : 'undo', fresh: false, by: plan.by })) return;
    // What could not be undone stays announced until the next announcement.
    this.announce(describe(plan, which, { ...this.undoTexts, undone: this.texts.undone }), plan.skipped.length > 0);
  }

  // newCard opens the editor on a new card at the end of cell. key is the key that asked
  // for it, when one did: its character must not land in the new editor.
  newCard(cell, key = '') {
    if (this.editing || !this.live.view()) return;
    const { stageId: stage, laneId: lane } = cell.dataset;
    let order;
    try {
      order = keyBetween(this.orders(stage, lane).at(-1) ?? '', '');
    } catch {
      return;
    }
    const id = newID('c');
    // Until its text is saved, the new card is the page's alone: drawn like any card, but
    // not part of the board the renderer draws.
    const card = this.renderer.buildCard(entityOf('card', id, { stage, lane, order, kind: 'note' }), this.live.view());
    card.tabIndex = -1;
    cell.append(card);
    this.setCurrent(cell);
    this.open(card, { isNew: true, stage, lane, order });
    if (key) swallowKey(this.editing.textarea);
  }

  edit(card, key = '') {
    if (this.editing) return;
    const id = card.dataset.cardId;
    if (this.locks.has(id)) {
      this.announce(this.lockText(this.locks.get(id)), true);
      return;
    }
    this.open(card, { isNew: false });
    if (key) swallowKey(this.editing.textarea);
    this.live.setPresence({ editing: id });
    // Any presence frame refreshes the soft lock, which would lapse after 30 s of silence.
    this.editing.keepalive = setInterval(() => this.live.setPresence({ editing: id }), LOCK_REFRESH);
  }

  open(card, { isNew, stage, lane, order }) {
    const textarea = document.createElement('textarea');
    textarea.className = 'card-editor';
    textarea.maxLength = 4000;
    textarea.rows = 3;
    textarea.setAttribute('aria-label', this.texts.cardEditorLabel ?? '');
    textarea.dataset.testid = 'card-editor';
    const text = card.querySelector('.card-text');
    textarea.value = isNew ? '' : (this.state(card.dataset.cardId)?.text ?? '');
    if (text) text.hidden = true;
    text ? text.after(textarea) : card.prepend(textarea);
    card.draggable = false;
    card.classList.add('editing');
    this.editing = { id: card.dataset.cardId, isNew, card, textarea, stage, lane, order };
    // Leaving the textarea saves, unless the card (or the new card's place) is gone: the
    // renderer took it away, and onRender says what was not saved. A blur while the
    // renderer moves the card (a browser without moveBefore) is no leaving.
    textarea.addEventListener('blur', () => {
      if (this.editing?.textarea === textarea && !this.renderer.moving && this.stillThere(this.editing)) this.commit(false);
    });
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  }

  // commit saves the editor's text (a create for a new card, else an update) and closes it.
  commit(refocus = true) {
    const ed = this.editing;
    if (!ed) return;
    const text = ed.textarea.value;
    this.closeEditor(refocus);
    if (ed.isNew) {
      if (text.trim() === '') {
        ed.card.remove();
        if (refocus) this.focus(this.cell(ed.stage, ed.lane));
        return;
      }
      ed.card.remove(); // the renderer draws it, from the op
      // In private mode a participant's new card is a private card (private.js).
      if (this.divert?.({ id: ed.id, stage: ed.stage, lane: ed.lane, text })) {
        if (refocus) this.focus(this.cell(ed.stage, ed.lane));
        return;
      }
      this.apply({ op: 'create', type: 'card', id: ed.id, fields: { stage: ed.stage, lane: ed.lane, order: ed.order, text, kind: 'note' } });
      if (refocus) this.focus(this.card(ed.id));
    } else if (text !== (this.state(ed.id)?.text ?? '')) {
      this.apply({ op: 'update', type: 'card', id: ed.id, fields: { text } });
    }
  }

  cancel() {
    const ed = this.editing;
    if (!ed) return;
    this.closeEditor();
    if (ed.isNew) {
      ed.card.remove();
      this.focus(this.cell(ed.stage, ed.lane));
    }
  }

  // closeEditor removes the textarea, releases the soft lock and gives the focus back to
  // the card.
  closeEditor(refocus = true) {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    clearInterval(ed.keepalive);
    const card = ed.card.isConnected ? ed.card : this.card(ed.id);
    const hadFocus = document.activeElement === ed.textarea;
    ed.textarea.remove();
    card?.querySelector('.card-text')?.removeAttribute('hidden');
    card?.classList.remove('editing');
    if (card) card.draggable = true;
    if (!ed.isNew) this.live.setPresence({ editing: '' });
    if (refocus && hadFocus && card && !ed.isNew) this.focus(card);
  }

  remove(card) {
    const id = card.dataset.cardId;
    if (this.editing?.id === id) this.closeEditor(false);
    const next = card.nextElementSibling?.matches('.card') ? card.nextElementSibling
      : card.previousElementSibling?.matches('.card') ? card.previousElementSibling : card.closest('td.cell');
    if (this.apply({ op: 'delete', type: 'card', id })) {
      this.announce(this.texts.deleted ?? '');
      this.focus(next);
    }
  }

  moveToCell(card, cell) {
    if (!cell) return;
    this.moveTo(card, cell, this.cardsOf(cell).filter((c) => c !== card).length);
  }

  // moveTo moves card to position i among the other cards of cell.
  moveTo(card, cell, i) {
    const others = this.orders(cell.dataset.stageId, cell.dataset.laneId, card.dataset.cardId);
    const before = others[i - 1] ?? '';
    const after = others[i] ?? '';
    let order;
    try {
      order = after && before >= after ? keyBetween(before, '') : keyBetween(before, after);
    } catch {
      return;
    }
    const id = card.dataset.cardId;
    const fields = { stage: cell.dataset.stageId, lane: cell.dataset.laneId, order };
    if (this.apply({ op: 'update', type: 'card', id, fields })) this.focus(this.card(id));
  }

  // --- others -------------------------------------------------------------------------

  onPeers(peers) {
    this.locks = new Map();
    for (const p of peers) {
      if (p.editing && p.conn !== this.live.connID) this.locks.set(p.editing, p.name || '');
    }
    this.showLocks();
  }

  showLocks() {
    for (const card of this.article.querySelectorAll('.card[data-locked-by]')) {
      if (!this.locks.has(card.dataset.cardId)) {
        delete card.dataset.lockedBy;
        card.removeAttribute('aria-description');
      }
    }
    for (const [id, name] of this.locks) {
      const card = this.card(id);
      if (!card) continue;
      const text = this.lockText(name);
      card.dataset.lockedBy = text;
      card.setAttribute('aria-description', text);
    }
  }

  lockText(name) {
    return fill(this.texts.peerEditing ?? '{name}', { name });
  }

  onLock({ id, message }) {
    if (this.editing?.id === id && !this.editing.isNew) this.cancel();
    this.announce(message, true);
  }

  onNack({ key, message }) {
    // What was refused never happened: there is nothing to undo of it. The view has
    // dropped it already, and the renderer has taken it off the grid.
    this.undoStack = this.undoStack.filter((s) => !s.keys.includes(key));
    this.redoStack = this.redoStack.filter((s) => !s.keys.includes(key));
    this.announce(message, true);
  }

  // announce says text in the page's aria-live line: an error stays until the next
  // announcement, a note goes after a few seconds.
  announce(text, error = false) {
    if (!this.announcer || !text) return;
    clearTimeout(this.noteTimer);
    this.announcer.textContent = '';
    this.announcer.dataset.tone = error ? 'error' : 'note';
    // A change of text, even to the same one, is announced again.
    requestAnimationFrame(() => { this.announcer.textContent = text; });
    if (!error) this.noteTimer = setTimeout(() => { this.announcer.textContent = ''; }, NOTE_FOR);
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

// swallowKey keeps what the key press that opened an editor would type (the n of "new",
// the line break of Enter) out of it. Browsers drop it when the keydown was cancelled;
// synthetic input, as the browser tests send, delivers it anyway.
export function swallowKey(textarea) {
  const guard = (e) => {
    if (e.type === 'beforeinput') e.preventDefault();
    textarea.removeEventListener('beforeinput', guard);
    textarea.removeEventListener('keyup', guard);
  };
  textarea.addEventListener('beforeinput', guard);
  textarea.addEventListener('keyup', guard);
}

function isTyping(el) {
  return !!el?.closest?.('input, textarea, select, [contenteditable="true"]');
}

