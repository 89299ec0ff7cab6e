// board.js — keeps a board page live. The page is complete without it; with it, a
// LiveBoard follows the board's ops, the status line says whether the page is connected,
// and when ops arrive the board is fetched again from the server (GET
// /boards/{id}/fragment, rendered by the page's own components) and swapped in. The
// article fires 'board:beforeswap' just before a swap and 'board:swap' just after it, for
// whatever marks or draws over the board (the team filter, the structure editor).

import { LiveBoard, State } from './live.js';
import { editLinks, startLinks } from './links.js';
import { startFilter } from './filter.js';
import { Presence } from './presence.js';
import { Zoom } from './zoom.js';

const DEBOUNCE = 75; // ms: ops arriving within it cause one fetch
const RETRY = 2000; // ms before fetching again after a failed fetch
const RECENT = 2000; // committed ops kept to show over an older fetched board, at most

// main connects the board of the page, if it has one.
function main() {
  const article = document.querySelector('article.board[data-board-id]');
  if (!article) return;
  const status = document.querySelector('[data-live-status]');
  const seq = Number.parseInt(article.dataset.seq ?? '', 10);
  // An editable page holds the whole board (a snapshot when it connects): the editor
  // reads it to order cards and to undo.
  const canEdit = article.dataset.canEdit !== 'false';
  const live = new LiveBoard({
    boardId: article.dataset.boardId,
    seq: !canEdit && Number.isInteger(seq) ? seq : -1,
    onState: (state) => showState(status, state),
  });
  const refresher = new Refresher(article, () => live.seq);
  live.addEventListener('change', (e) => {
    refresher.remember(e.detail);
    refresher.schedule(DEBOUNCE);
  });
  live.addEventListener('state', (e) => { if (e.detail.state === State.CONNECTED) refresher.schedule(DEBOUNCE); });
  const tools = document.querySelector('[data-board-tools]');
  if (tools) {
    tools.hidden = false;
    new Zoom(article, tools);
    new Presence(article, tools, live);
  }
  live.start();
  // A page kept in the back-forward cache must not stay in the room, where others would
  // see someone who has gone; it joins again when it is shown.
  window.addEventListener('pagehide', (e) => { if (e.persisted) live.stop(); });
  window.addEventListener('pageshow', (e) => {
    if (!e.persisted) return;
    live.keys.claim();
    live.start();
  });
  const links = startLinks({ article, live });
  startFilter(article, live);
  if (canEdit) {
    // Both start at once, so that the page's layout is settled when editing begins.
    Promise.all([import('./editor.js'), import('./structure.js')]).then(([{ startEditor }, { startStructure }]) => {
      refresher.editor = startEditor({ article, live, refresher });
      editLinks(links, refresher.editor);
      if (refresher.editor) startStructure({ article, live, editor: refresher.editor });
    }).catch(() => showState(status, 'reload')); // the editor could not load: say to reload
  }
}

// showState writes the text of a connection state, taken from the status element's data
// attributes (data-connected, data-reconnecting, ...), so the texts come from the server.
function showState(el, state) {
  const text = el?.dataset[state];
  if (!text) return;
  el.textContent = text;
  el.dataset.state = state;
  el.hidden = false;
}

// Refresher fetches the board when it is behind the ops received, one fetch at a time.
class Refresher {
  constructor(article, liveSeq) {
    this.article = article;
    this.liveSeq = liveSeq;
    this.url = `/boards/${encodeURIComponent(article.dataset.boardId)}/fragment`;
    this.timer = 0;
    this.busy = false;
    this.sheet = null;
    this.editor = null; // the in-place editor, when the page is editable
    this.recent = []; // committed ops newer than the board shown, oldest first
    this.forced = false;
  }

  // remember keeps the committed ops that the board shown may not hold yet: a board
  // fetched before them but swapped in after them must not hide them, even for a moment.
  remember({ ops, snapshot }) {
    if (snapshot) this.recent = [];
    this.recent.push(...ops);
    const shown = this.shownSeq();
    if (this.recent.length > RECENT || this.recent[0]?.seq <= shown) {
      this.recent = this.recent.filter((c) => c.seq > shown).slice(-RECENT);
    }
  }

  shownSeq() {
    return Number.parseInt(this.article.dataset.seq ?? '-1', 10);
  }

  // schedule fetches the board after delay, unless a fetch is scheduled already: ops that
  // keep arriving cause one fetch per delay, never an endless wait.
  schedule(delay) {
    if (this.timer || (!this.forced && this.shownSeq() >= this.liveSeq())) return;
    this.timer = setTimeout(() => {
      this.timer = 0;
      this.refresh();
    }, delay);
  }

  // force fetches the board even when it shows the last sequence, as when an edit shown
  // before the server confirmed it was refused.
  force() {
    this.forced = true;
    this.schedule(0);
  }

  async refresh() {
    if (this.busy) return; // the fetch under way schedules the next one when it ends
    this.busy = true;
    this.forced = false;
    let delay = DEBOUNCE;
    try {
      const res = await fetch(this.url, { cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (res.ok) {
        this.swap(await res.text());
      } else if (res.status < 500) {
        return; // the board is gone or refused: the LiveBoard's state says what to do
      } else {
        delay = RETRY;
      }
    } catch {
      delay = RETRY; // offline: the LiveBoard says so; try again later
    } finally {
      this.busy = false;
    }
    this.schedule(delay);
  }

  // swap puts the fetched board in place of the shown one, unless it is older. It keeps
  // the edit forms, untouched, while someone is using them (they come last in the board),
  // and keeps the scroll position of the grid and the keyboard focus.
  swap(html) {
    const tpl = document.createElement('template');
    tpl.innerHTML = html; // parsed inert: nothing in a template runs or loads
    const next = tpl.content.querySelector('article.board');
    if (!next || next.dataset.boardId !== this.article.dataset.boardId) return;
    if (Number.parseInt(next.dataset.seq, 10) < this.shownSeq()) return;

    this.teamStyles(tpl.content.querySelector('style')?.textContent ?? '');
    let keep = this.article.querySelector(':scope > .edit-forms');
    if (keep && (keep.contains(document.activeElement) || isDirty(keep))) {
      next.querySelector(':scope > .edit-forms')?.remove();
    } else {
      keep = null;
    }
    this.article.dispatchEvent(new CustomEvent('board:beforeswap'));
    const saved = this.editor?.beforeSwap();
    const focus = focusSelector(this.article, keep);
    const scroll = this.article.querySelector('.board-scroll');
    const [left, top] = scroll ? [scroll.scrollLeft, scroll.scrollTop] : [0, 0];

    for (const child of [...this.article.childNodes]) {
      if (child !== keep) child.remove();
    }
    for (const child of [...next.childNodes]) this.article.insertBefore(child, keep);
    this.article.dataset.seq = next.dataset.seq;
    const seq = this.shownSeq();
    this.recent = this.recent.filter((c) => c.seq > seq);

    const scrolled = this.article.querySelector('.board-scroll');
    if (scrolled) {
      scrolled.scrollLeft = left;
      scrolled.scrollTop = top;
    }
    if (focus) this.article.querySelector(focus)?.focus({ preventScroll: true });
    this.editor?.afterSwap(saved, this.recent.map((c) => c.op));
    // Whatever is drawn or marked over the board is redrawn after this event.
    this.article.dispatchEvent(new CustomEvent('board:swap'));
  }

  // teamStyles applies the team colours of the fetched board. Inserting a style element
  // would need the page's nonce; a constructed stylesheet needs none.
  teamStyles(css) {
    if (!('adoptedStyleSheets' in document)) return;
    if (!this.sheet) {
      this.sheet = new CSSStyleSheet();
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
    }
    this.sheet.replaceSync(css);
  }
}

// isDirty reports whether a field of the forms holds something typed or chosen.
function isDirty(root) {
  for (const el of root.querySelectorAll('input, textarea')) {
    if (el.value !== el.defaultValue) return true;
  }
  for (const sel of root.querySelectorAll('select')) {
    const initial = Math.max(0, [...sel.options].findIndex((o) => o.defaultSelected));
    if (sel.selectedIndex !== initial) return true;
  }
  return false;
}

// focusSelector returns a selector that finds the focused element of root again in the
// new markup (by id, or by its card and tag), unless it is inside keep, which stays.
function focusSelector(root, keep) {
  const el = document.activeElement;
  if (!el || el === root || !root.contains(el) || keep?.contains(el)) return '';
  if (el.id) return `#${CSS.escape(el.id)}`;
  const card = el.closest('[data-card-id]');
  if (card) return `[data-card-id="${CSS.escape(card.dataset.cardId)}"] ${el.localName}`;
  return '';
}

main();
