// title.js — renames the board in place, for those who may edit: a click on the board's
// title, or Enter or F2 when it has the focus (it is a tab stop), puts a field in its
// place; Enter saves, Escape cancels, leaving the field saves. An empty title, or one
// longer than Limits.nameLen characters, is refused with a message. The rename is one op
// through the Editor (editor.js), so that undo takes it back; the renderer draws the new
// title (heading, grid label, page title) from the view. The field's markup and the
// texts come from the DetailsUI element (web/details.templ), in the page's language.
//
// The field sits beside the heading, which is hidden meanwhile: the renderer keeps
// drawing the heading's text as others rename the board, and the field keeps what is
// typed in it.

import { Limits, fill } from './live-core.js';
import { swallowKey } from './editor.js';

/**
 * startTitle makes the title of article's board renamable in place.
 * @param {object} o
 * @param {HTMLElement} o.article the article.board
 * @param {import('./live.js').LiveBoard} o.live
 * @param {import('./editor.js').Editor} o.editor
 * @returns {TitleEditor|null}
 */
export function startTitle({ article, live, editor }) {
  const ui = document.querySelector('[data-details-ui]');
  const heading = article.querySelector(':scope > header > h1');
  if (!ui || !editor || !heading || !ui.querySelector('template[data-title-editor]')) return null;
  return new TitleEditor(article, live, editor, ui, heading);
}

export class TitleEditor {
  constructor(article, live, editor, ui, heading) {
    this.article = article;
    this.live = live;
    this.editor = editor;
    this.ui = ui;
    this.texts = ui.dataset;
    this.heading = heading;
    this.renaming = null; // {input, was}: the field, and the title when it opened

    heading.tabIndex = 0;
    heading.setAttribute('aria-keyshortcuts', 'Enter F2');
    heading.setAttribute('aria-description', this.texts.titleHint ?? '');
    heading.addEventListener('click', () => this.open());
    heading.addEventListener('keydown', (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || (e.key !== 'Enter' && e.key !== 'F2')) return;
      e.preventDefault();
      this.open(e.key);
    });
  }

  /** open puts the field in the heading's place. key is the key that asked for it, if any. */
  open(key = '') {
    const title = this.live.view()?.title;
    if (this.renaming || title === undefined) return;
    const input = this.ui.querySelector('template[data-title-editor]').content.firstElementChild.cloneNode(true);
    input.value = title;
    this.renaming = { input, was: title };
    input.addEventListener('keydown', (e) => this.onKey(e));
    input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
    input.addEventListener('blur', () => {
      if (this.renaming?.input === input) this.commit(false);
    });
    this.heading.hidden = true;
    this.heading.after(input);
    input.focus();
    input.select();
    if (key) swallowKey(input);
  }

  onKey(e) {
    e.stopPropagation(); // the page's shortcuts are not for the field
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      this.commit(true);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.close(true);
    }
  }

  // commit renames the board to what the field holds, if the person changed it, and
  // closes the field. An empty title, or one longer than the domain allows (counted in
  // characters, as the server counts them), is refused: with Enter the field stays open
  // to be mended; when the field is left, the former title is kept.
  commit(byKey) {
    const r = this.renaming;
    if (!r) return;
    const title = r.input.value.trim();
    const count = [...title].length;
    const max = Number(this.texts.maxTitle) || Limits.nameLen;
    if (!title || count > max) {
      const numbers = new Intl.NumberFormat(document.documentElement.lang || 'en');
      const values = { count: numbers.format(count), max: numbers.format(max) };
      if (byKey) {
        r.input.setAttribute('aria-invalid', 'true');
        this.editor.announce(fill((title ? this.texts.titleTooLong : this.texts.titleRequired) ?? '', values), true);
        return;
      }
      this.close(false);
      this.editor.announce(fill((title ? this.texts.titleTooLongKept : this.texts.titleKept) ?? '', values), true);
      return;
    }
    this.close(byKey);
    // What the person did not change is not sent: someone else may have renamed the board
    // meanwhile, and their title stays.
    if (title === r.was || title === this.live.view()?.title) return;
    const op = { op: 'update', type: 'board', id: this.article.dataset.boardId, fields: { title } };
    if (this.editor.apply(op)) this.editor.announce(this.texts.titleRenamed);
  }

  // close takes the field away and shows the heading again, with the focus when refocus.
  close(refocus) {
    const r = this.renaming;
    if (!r) return;
    this.renaming = null;
    const hadFocus = document.activeElement === r.input;
    this.heading.hidden = false;
    r.input.remove();
    if (refocus || hadFocus) this.heading.focus();
  }
}
