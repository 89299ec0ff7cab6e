// details.js — edits a card's detail and its active and waiting times, for those who may
// edit. D on a focused card, "Detail and times…" in the card's ▾ menu, or a double-click
// on the card's detail or times opens a dialog (DetailsUI, web/details.templ): a text
// area for the detail (up to Limits.detailLen characters, counted as the server counts
// them) and a field per time, read by duration.js (minutes, hours or days). Saving makes
// one op through the Editor (editor.js), so that one undo takes the whole change back;
// the renderer draws the card from the view, as for any op. Texts come from the
// DetailsUI element, in the page's language.
//
// The dialog is outside the board, so the renderer never touches it. While it is open,
// the fields the person has not changed follow what others do to the card; those they
// changed keep what they typed. The dialog takes the card's soft lock, as the text editor
// does, so that nobody else changes the detail meanwhile; if someone else holds it, the
// detail is read-only and the times can still change. When someone deletes the card, the
// dialog closes and the page says who did, with the detail that was not saved.

import { Limits, fill } from './live-core.js';
import { formatRange, parseRange, splitDuration } from './duration.js';
import { focusLeftAlone } from './dialog.js';
import { swallowKey } from './editor.js';

const LOCK_REFRESH = 10000; // ms between presence frames while the dialog holds the lock
const QUOTED = 80; // characters of the card's text quoted in the dialog

// The times: the name of their field in the dialog → the card's field; each may be a
// range, whose top is the card's field + '_max' ("2 d – 5 d", docs/page.md).
const TIMES = { active: 'active_minutes', wait: 'wait_minutes' };

/**
 * startDetails lets the detail and times of article's cards be edited.
 * @param {object} o
 * @param {HTMLElement} o.article the article.board
 * @param {import('./live.js').LiveBoard} o.live
 * @param {import('./editor.js').Editor} o.editor
 * @returns {Details|null}
 */
export function startDetails({ article, live, editor }) {
  const ui = document.querySelector('[data-details-ui]');
  if (!ui || !editor || !ui.querySelector('[data-details-dialog]')) return null;
  return new Details(article, live, editor, ui);
}

export class Details {
  constructor(article, live, editor, ui) {
    this.article = article;
    this.live = live;
    this.editor = editor;
    this.ui = ui;
    this.texts = ui.dataset;
    this.dialog = ui.querySelector('[data-details-dialog]');
    this.form = this.dialog.querySelector('form');
    const f = this.form.elements;
    this.fields = { detail: f.detail, active: f.active, wait: f.wait };
    this.units = { day: this.texts.detailsUnitDay, hour: this.texts.detailsUnitHour, minute: this.texts.detailsUnitMinute };
    this.numbers = new Intl.NumberFormat(document.documentElement.lang || 'en');
    this.maxDetail = Number(this.texts.maxDetail) || Limits.detailLen;
    this.editing = null; // {id, dirty, lockedBy, keepalive}

    article.addEventListener('keydown', (e) => this.onKey(e));
    article.addEventListener('dblclick', (e) => this.onDoubleClick(e));
    article.addEventListener('board:render', (e) => this.onRender(e.detail));
    this.form.addEventListener('input', (e) => this.onInput(e.target));
    // Enter in a time submits the form; so does the Save button.
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    this.dialog.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) {
        e.preventDefault();
        this.save();
      }
      e.stopPropagation(); // the board's shortcuts are not for the dialog
    });
    this.dialog.querySelector('[data-details-cancel]').addEventListener('click', () => this.dialog.close());
    // A close event comes in a task of its own: when D reopened the dialog meanwhile
    // (open finished the closing then), it belongs to the closing before and is let go.
    this.dialog.addEventListener('close', () => {
      if (!this.dialog.open) this.onClose();
    });
    live.addEventListener('lock', (e) => this.onLock(e.detail));

    const grid = article.querySelector('table.blueprint');
    const shortcuts = grid?.getAttribute('aria-keyshortcuts') ?? '';
    if (grid && !shortcuts.split(' ').includes('D')) grid.setAttribute('aria-keyshortcuts', `${shortcuts} D`.trim());
  }

  // --- opening -------------------------------------------------------------------------

  onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const el = e.target;
    if (!el.matches?.('td.cell > .card') || this.editor.editing) return;
    if (e.key === 'd' || e.key === 'D') {
      e.preventDefault();
      this.open(el, e.key);
    }
  }

  onDoubleClick(e) {
    const card = e.target.closest?.('td.cell > .card');
    if (card && e.target.closest('.card-detail, .card-time')) this.open(card);
  }

  /**
   * menuItem returns the entry of a card's ▾ menu that opens this dialog for card
   * (structure.js puts it in the menu); its click calls before, then opens.
   */
  menuItem(card, before) {
    const button = this.ui.querySelector('template[data-details-menu-item]').content.firstElementChild.cloneNode(true);
    button.setAttribute('aria-keyshortcuts', 'D');
    button.addEventListener('click', () => {
      before();
      this.open(card);
    });
    return button;
  }

  /** open shows the dialog for card. key is the key that asked for it, when one did. */
  open(card, key = '') {
    // The dialog's close event comes in a task of its own after it closed: a D pressed
    // meanwhile finishes that closing first rather than being lost.
    if (this.editing && !this.dialog.open) this.onClose();
    if (this.editing || this.editor.editing || this.dialog.open) return;
    const id = card.dataset.cardId;
    const c = this.live.view()?.cards.get(id);
    if (!c) return;
    const lockedBy = this.editor.locks.get(id);
    this.editing = { id, dirty: new Set(), lockedBy, keepalive: 0, opener: document.activeElement };
    for (const name of Object.keys(this.fields)) this.fields[name].removeAttribute('aria-invalid');
    this.showError('');
    this.show(c, true);
    this.showLock(lockedBy);
    this.dialog.showModal();
    const first = lockedBy === undefined ? this.fields.detail : this.fields.active;
    first.focus();
    if (first === this.fields.detail) first.setSelectionRange(first.value.length, first.value.length);
    if (key) swallowKey(first);
    if (lockedBy === undefined) {
      this.live.setPresence({ editing: id });
      // Any presence frame refreshes the soft lock, which would lapse after 30 s of silence.
      this.editing.keepalive = setInterval(() => this.live.setPresence({ editing: id }), LOCK_REFRESH);
    }
  }

  // --- showing -------------------------------------------------------------------------

  // show fills the dialog with card c: every field when all, else those the person has
  // not changed.
  show(c, all) {
    const ed = this.editing;
    const card = this.dialog.querySelector('[data-details-card]');
    card.textContent = fill(this.texts.detailsCard ?? '{text}', { text: quoted(c.text ?? '') });
    if (all || !ed.dirty.has('detail')) this.fields.detail.value = c.detail ?? '';
    for (const [name, field] of Object.entries(TIMES)) {
      if (all || !ed.dirty.has(name)) this.fields[name].value = formatRange(c[field] ?? 0, c[`${field}_max`] ?? 0, this.units);
    }
    this.showCount();
    for (const name of Object.keys(TIMES)) this.showTime(name);
  }

  // showCount says how long the detail is, against its limit.
  showCount() {
    const n = length(this.fields.detail.value);
    const el = this.dialog.querySelector('[data-details-count]');
    el.textContent = fill(this.texts.detailsCount ?? '', { count: this.numbers.format(n), max: this.numbers.format(this.maxDetail) });
    el.classList.toggle('over', n > this.maxDetail);
  }

  // showTime says, under a time's field, how it is read: the time in words, and how the
  // card will show it when that is shorter; or why it cannot be read.
  showTime(name) {
    const input = this.fields[name];
    const out = this.dialog.querySelector(`output[for="${input.id}"]`);
    const r = parseRange(input.value);
    if (r.error) {
      out.textContent = this.timeError(name, r.error);
      out.classList.add('invalid');
      return;
    }
    out.classList.remove('invalid');
    if (r.minutes === 0 && r.max === 0) {
      out.textContent = this.texts.detailsNoTime ?? '';
      return;
    }
    const words = (m) => splitDuration(m).map(([n, unit]) => this.editor.renderer.countText(`${unit}s`, n)).join(' ')
      || this.editor.renderer.countText('minutes', 0);
    if (r.max > 0) {
      out.textContent = fill(this.texts.detailsSaidRange ?? '', { low: words(r.minutes), high: words(r.max) });
      return;
    }
    const time = words(r.minutes);
    const shown = this.editor.renderer.minutes(r.minutes);
    out.textContent = shown === time
      ? fill(this.texts.detailsSaid ?? '', { time })
      : fill(this.texts.detailsSaidShown ?? '', { time, shown });
  }

  timeError(name, error) {
    const label = this.dialog.querySelector(`label[for="${this.fields[name].id}"]`)?.textContent.trim() ?? name;
    const text = { too_long: this.texts.detailsTimeTooLong, reversed: this.texts.detailsRangeReversed }[error] ?? this.texts.detailsInvalidTime;
    return fill(text ?? '', { field: label, value: this.fields[name].value.trim() });
  }

  // showLock says that someone else holds the card's soft lock, so that its detail cannot
  // change now; undefined when nobody does.
  showLock(name) {
    const note = this.dialog.querySelector('[data-details-lock]');
    const locked = name !== undefined;
    this.fields.detail.readOnly = locked;
    note.hidden = !locked;
    note.textContent = locked ? fill(this.texts.detailsLocked ?? '', { name: name || (this.texts.undoSomeone ?? '') }) : '';
  }

  showError(text, field = null) {
    this.dialog.querySelector('[data-details-error]').textContent = text;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  onInput(el) {
    const ed = this.editing;
    const name = el.name;
    if (!ed || !(name in this.fields)) return;
    ed.dirty.add(name);
    el.removeAttribute('aria-invalid');
    if (name === 'detail') this.showCount();
    else this.showTime(name);
  }

  // --- saving --------------------------------------------------------------------------

  // save checks what the person changed and sends it as one update of the card, then
  // closes the dialog; what cannot be saved is said in the dialog, which stays open with
  // the focus on the field to mend.
  save() {
    const ed = this.editing;
    const c = ed && this.live.view()?.cards.get(ed.id);
    if (!c) return; // the card is gone: onRender closes the dialog and says so
    const fields = {};
    if (ed.dirty.has('detail') && ed.lockedBy === undefined) {
      let detail = this.fields.detail.value;
      if (detail.trim() === '') detail = '';
      const n = length(detail);
      if (n > this.maxDetail) {
        this.showError(fill(this.texts.detailsDetailTooLong ?? '', { count: this.numbers.format(n), max: this.numbers.format(this.maxDetail) }), this.fields.detail);
        return;
      }
      if (detail !== (c.detail ?? '')) fields.detail = detail;
    }
    for (const [name, field] of Object.entries(TIMES)) {
      if (!ed.dirty.has(name)) continue;
      const r = parseRange(this.fields[name].value);
      if (r.error) {
        this.showError(this.timeError(name, r.error), this.fields[name]);
        return;
      }
      // Both ends go together, so that the server never holds a top below the bottom.
      if (r.minutes !== (c[field] ?? 0) || r.max !== (c[`${field}_max`] ?? 0)) {
        fields[field] = r.minutes;
        fields[`${field}_max`] = r.max;
      }
    }
    // Sent before the dialog closes and lets the card's lock go, so that nobody can take
    // the lock in between and have the detail refused.
    const changed = Object.keys(fields).length > 0;
    const sent = changed && this.editor.apply({ op: 'update', type: 'card', id: ed.id, fields });
    this.dialog.close();
    if (!changed) this.editor.announce(this.texts.detailsUnchanged);
    else if (sent) this.editor.announce(this.texts.detailsSaved);
  }

  // onClose lets the card's lock go and gives the focus back to the card, once the dialog
  // has closed, however it closed (saved, cancelled, Escape, the card gone).
  onClose() {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    clearInterval(ed.keepalive);
    if (ed.lockedBy === undefined) this.live.setPresence({ editing: '' });
    const card = this.editor.card(ed.id);
    if (!card) this.editor.keepStop();
    if (!focusLeftAlone(this.dialog, ed.opener)) return; // a key or click meanwhile moved it on
    if (card) this.editor.focus(card);
    else this.article.querySelector('td.cell[tabindex="0"], td.cell > .card[tabindex="0"]')?.focus();
  }

  // --- others --------------------------------------------------------------------------

  // onRender follows others' changes of the open card: the fields the person has not
  // changed show the card as it is now; when the card is gone, the dialog closes and the
  // page says who deleted it, with the detail that was typed.
  onRender(ch) {
    const ed = this.editing;
    if (!ed || !(ch.all || ch.card.has(ed.id))) return;
    const view = this.live.view();
    if (!view) return;
    const c = view.cards.get(ed.id);
    if (c) {
      this.show(c, false);
      return;
    }
    const typed = ed.dirty.has('detail') ? this.fields.detail.value : '';
    this.dialog.close();
    const name = this.live.replica.origins.deleted('card', ed.id) ?? this.texts.undoSomeone ?? '';
    const text = typed.trim() ? this.texts.detailsCardDeletedText : this.texts.detailsCardDeleted;
    this.editor.announce(fill(text ?? '', { name, text: typed }), true);
  }

  // onLock: the server gave the card's lock to someone else before this page could take
  // it; the detail cannot change until they are done.
  onLock({ id }) {
    const ed = this.editing;
    if (!ed || ed.id !== id || ed.lockedBy !== undefined) return;
    clearInterval(ed.keepalive);
    ed.lockedBy = this.editor.locks.get(id) ?? '';
    this.showLock(ed.lockedBy);
    if (document.activeElement === this.fields.detail) this.fields.active.focus();
  }
}

// length counts the characters of text as the server does: code points.
function length(text) {
  return [...text].length;
}

// quoted returns text cut to QUOTED characters, with an ellipsis when it was longer.
function quoted(text) {
  const chars = [...text];
  return chars.length > QUOTED ? `${chars.slice(0, QUOTED).join('')}…` : text;
}
