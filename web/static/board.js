// board.js — keeps a board page live. The page is complete without it. With it, the page
// holds the board's state — the export the server rendered it from, embedded in the page
// at the same sequence — in a LiveBoard (live.js) that follows the board's ops from that
// sequence; the renderer (render.js) draws every change of that state, entity by entity;
// the status line says whether the page is connected. The page never fetches the board
// again: a snapshot frame, which comes only when the page is too far behind, is drawn as
// any other change. The article fires 'board:render' after each drawing, for whatever
// marks or draws over the board (docs/page.md).

import { LiveBoard, State } from './live.js';
import { readJSON, startRenderer } from './render.js';
import { editLinks, startLinks } from './links.js';
import { startFilter } from './filter.js';
import { startOverlay } from './analysis-overlay.js';
import { Presence } from './presence.js';
import { Zoom } from './zoom.js';

/** page holds the page's LiveBoard and renderer once started (the browser tests use it). */
export const page = { live: null, renderer: null, editor: null, overlay: null, zoom: null, follow: null };

// main connects the board of the page, if it has one.
function main() {
  const article = document.querySelector('article.board[data-board-id]');
  if (!article) return;
  const status = document.querySelector('[data-live-status]');
  const seq = Number.parseInt(article.dataset.seq ?? '', 10);
  // The state the page was rendered from; without it (never expected), the page asks for
  // a snapshot and draws it.
  const board = readJSON('board-state');
  const held = board?.id === article.dataset.boardId && board.seq === seq;
  const live = new LiveBoard({
    boardId: article.dataset.boardId,
    board: held ? board : null,
    seq: -1,
    onState: (state) => showState(status, state),
  });
  const renderer = startRenderer(article, live);
  Object.assign(page, { live, renderer });
  const canEdit = article.dataset.canEdit !== 'false';
  const tools = document.querySelector('[data-board-tools]');
  keepClearOfBar(document.querySelector('.board-bar'));
  if (tools) {
    tools.hidden = false;
    page.zoom = new Zoom(article, tools);
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
  import('./annotations.js').then(({ startAnnotations }) => { page.annotations = startAnnotations({ article, live }); });
  page.overlay = startOverlay(article, live);
  import('./facilitation.js').then(({ startFacilitation }) => startFacilitation({ live }));
  import('./votes.js').then(({ startVotes }) => { page.votes = startVotes({ article, live }); });
  const privateMode = import('./private.js').then(({ startPrivate }) => { page.private = startPrivate({ article, live }); });
  import('./follow.js').then(({ startFollow }) => { page.follow = startFollow({ article, live, zoom: page.zoom }); });
  if (canEdit && renderer) {
    // They start at once, so that the page's layout is settled when editing begins.
    Promise.all([import('./editor.js'), import('./structure.js'), import('./details.js'), import('./title.js')])
      .then(([{ startEditor }, { startStructure }, { startDetails }, { startTitle }]) => {
        page.editor = startEditor({ article, live, renderer });
        editLinks(links, page.editor);
        if (!page.editor) return;
        privateMode.then(() => {
          if (page.private) page.editor.divert = (card) => page.private.divert(card);
        });
        const details = startDetails({ article, live, editor: page.editor });
        startStructure({ article, live, editor: page.editor, details });
        startTitle({ article, live, editor: page.editor });
      }).catch(() => showState(status, 'reload')); // the editor could not load: say to reload
  }
}

// keepClearOfBar keeps what the page scrolls to (a focused control, a link's target) from
// landing under the tool bar, which stays at the top of the window and grows with the
// workshop's controls: the page's scroll padding follows the bar's height.
function keepClearOfBar(bar) {
  if (!bar || typeof ResizeObserver === 'undefined') return;
  const root = document.documentElement;
  new ResizeObserver(() => {
    root.style.scrollPaddingTop = `${Math.ceil(bar.getBoundingClientRect().height) + 16}px`;
  }).observe(bar);
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

main();
