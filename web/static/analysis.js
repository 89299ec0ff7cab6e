// analysis.js — keeps the Analysis page's readiness figures current while the board
// changes. The page is drawn on the server and reads whole without this module; here a
// read-only LiveBoard (live.js) listens to the board's websocket, and after each burst of
// committed ops (300 ms of quiet) the analysis is read again from
// GET /api/boards/{id}/analysis and the readiness figures are changed in place: the
// overall level, the counts of critical dependencies, the share cleared, the number of
// blockers and each stage's level. Nothing else of the page is redrawn: the lists below
// say what they said when the page was loaded, until it is reloaded.

import { LiveBoard } from './live.js';

const DEBOUNCE = 300; // ms of quiet after the last ops frame before reading the analysis
const ICONS = { red: '✕', amber: '!', green: '✓' }; // as web/analysis.go's ragIcons

const article = document.querySelector('article.analysis[data-board-id]');
if (article) start(article);

function start(article) {
  const boardId = article.dataset.boardId;
  const words = { red: article.dataset.ragRed, amber: article.dataset.ragAmber, green: article.dataset.ragGreen };
  const percent = new Intl.NumberFormat(document.documentElement.lang || 'en', { style: 'percent', maximumFractionDigits: 0 });
  let timer = 0;
  let reading = false;
  let again = false;

  // The connection's state is kept on the article (data-live-state), for the tests.
  const live = new LiveBoard({ boardId, seq: Number(article.dataset.seq), onState: (state) => { article.dataset.liveState = state; } });
  live.addEventListener('change', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, DEBOUNCE);
  });
  live.start();

  async function refresh() {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      const res = await fetch(`/api/boards/${encodeURIComponent(boardId)}/analysis`, { headers: { Accept: 'application/json' } });
      if (res.ok) patch(await res.json());
    } catch {
      // Offline or the server restarting: the next ops frame tries again.
    } finally {
      reading = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  function patch(a) {
    if (Number(article.dataset.seq) > a.seq) return; // an older answer than what is shown
    article.dataset.seq = String(a.seq);
    const r = a.readiness;
    const level = article.querySelector('[data-live="level"]');
    if (level) setLevel(level, r.level, false);
    text('identified', String(r.critical.identified));
    text('cleared', String(r.critical.cleared));
    text('accepted', String(r.critical.accepted));
    text('share', percent.format(r.critical.share));
    text('blockers', String(r.blockers.length));
    for (const s of r.stages) {
      const g = article.querySelector(`.strip-stage[data-stage-id="${CSS.escape(s.stage.id)}"]`);
      if (g) setLevel(g, s.level, true);
    }
  }

  function text(name, value) {
    const el = article.querySelector(`[data-live="${name}"]`);
    if (el && el.textContent !== value) el.textContent = value;
  }

  // setLevel shows level on el: its class and data-level, and its sign and word.
  function setLevel(el, level, strip) {
    if (el.dataset.level === level) return;
    el.classList.remove(`rag-${el.dataset.level}`);
    el.classList.add(`rag-${level}`);
    el.dataset.level = level;
    if (strip) {
      const t = el.querySelector('[data-live-word]');
      if (t) t.textContent = `${ICONS[level]} ${words[level]}`;
      return;
    }
    el.querySelector('.rag-icon').textContent = ICONS[level];
    el.querySelector('.rag-word').textContent = words[level];
  }
}
