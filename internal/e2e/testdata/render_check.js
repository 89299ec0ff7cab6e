// render_check.js — compares the board a live page drew (web/static/render.js) with the
// server's render of the same board at the same sequence. TestRenderMatchesServer
// (render_test.go) imports it into the board page and calls compare() at checkpoints.
//
// Both boards are normalised before they are compared, and only for what is not the
// board's markup or cannot show:
// - what the page's other modules add to the board, which the server never renders:
//   the link arrows' layer and the others' pointers, the grid's tab stops (tabindex on
//   cells, cards and headers), draggable, aria-keyshortcuts, aria-multiselectable and
//   aria-description, the zoom (style and data-zoom on the article) and the classes of
//   states (links-editable, editing, dimmed…);
// - whitespace-only text nodes: templ writes a space after an element or not depending
//   on which optional siblings its component rendered, and the page keeps the spaces of
//   the templates it clones. They sit between table rows and cells, between block
//   elements and between the items of flex containers, where they render nothing;
// - the order of attributes and of class names, which mean nothing.
// Every other attribute and every text is compared as it is.

const DECOR_ATTRS = ['draggable', 'aria-keyshortcuts', 'aria-multiselectable', 'aria-description', 'data-locked-by',
  'data-filter-note', 'data-structure', 'data-zoom', 'data-team-filter', 'style', 'data-since'];
const DECOR_CLASSES = ['links-editable', 'editing', 'dimmed', 'dragging', 'drop-target', 'link-source', 'renaming',
  'pan-ready', 'panning', 'drop-before', 'drop-after', 'since-mark', 'since-current', 'anno-target'];

const { page } = await import('/static/board.js');
let ownFetches = 0;

/** pending returns how many of the page's own ops wait for the server's answer. */
export function pending() {
  return page.live.replica.pending.length;
}

/** submit makes ops as the page's own; those the page itself refuses are left out. */
export function submit(ops) {
  for (const op of ops) {
    try {
      page.live.submit(op);
    } catch {
      // malformed: the page never sends it
    }
  }
}

// lines writes a board normalised, without copying it (a copy of the page's nodes would
// parse their style attributes again, which the Content-Security-Policy refuses): one line
// per element (its tag and its attributes, sorted, indented by depth) and one per text,
// so that a difference shows where.
function normalise(root) {
  const out = [];
  const walk = (node, depth) => {
    const pad = '  '.repeat(depth);
    if (node.matches('svg.link-layer, .cursors')) return;
    const attrs = [];
    for (const a of node.attributes) {
      if (DECOR_ATTRS.includes(a.name) || (a.name === 'tabindex' && !node.matches('tr[data-link-id]'))) continue;
      let v = a.value;
      if (a.name === 'class') {
        v = v.split(/\s+/).filter((c) => c && !DECOR_CLASSES.includes(c)).sort().join(' ');
        if (v === '') continue;
      }
      attrs.push([a.name, v]);
    }
    attrs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    out.push(`${pad}<${node.localName}${attrs.map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join('')}>`);
    let text = null;
    const flush = () => {
      if (text !== null && text.trim() !== '') out.push(`${pad}  ${JSON.stringify(text)}`);
      text = null;
    };
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        text = (text ?? '') + child.data;
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        flush();
        walk(child, depth + 1);
      }
    }
    flush();
  };
  walk(root, 0);
  return out;
}

// firstDifference returns where two lists of lines first differ, with the lines around.
function firstDifference(got, want) {
  let i = 0;
  while (i < got.length && i < want.length && got[i] === want[i]) i++;
  if (i === got.length && i === want.length) return null;
  const around = (l) => l.slice(Math.max(0, i - 6), i + 4).map((s, k) => `${Math.max(0, i - 6) + k === i ? '>>' : '  '} ${s}`).join('\n');
  return { line: i, got: around(got), want: around(want) };
}

/** ready reports whether the page's editor has started (on an editable page). */
export function ready() {
  return page.editor !== null;
}

/**
 * compare fetches the page's address (the server's render of the board as it is now) and
 * compares its board and title with the page's. It resolves to
 * {equal, seq, difference, styles (the page's team colours), title: [page, server], fetches}:
 * fetches counts the page's own fetches and XHRs since it loaded, this module's aside.
 */
export async function compare() {
  const res = await fetch(location.href, { cache: 'no-store', credentials: 'same-origin' });
  ownFetches++;
  // Parsed inert, in a template: a document would apply the page's style elements, whose
  // nonce is not this page's, and the Content-Security-Policy would say so.
  const doc = document.createElement('template');
  doc.innerHTML = await res.text();
  const theirs = doc.content.querySelector('article.board');
  const title = doc.content.querySelector('title').textContent.replace(/\s+/g, ' ').trim();
  const ours = document.querySelector('article.board');
  const difference = firstDifference(normalise(ours), normalise(theirs));
  const fetches = performance.getEntriesByType('resource')
    .filter((e) => e.initiatorType === 'fetch' || e.initiatorType === 'xmlhttprequest')
    .filter((e) => !new URL(e.name).pathname.startsWith('/api/notifications')).length - ownFetches; // the header's, not the board's
  return {
    equal: difference === null,
    seq: Number(theirs.dataset.seq),
    difference,
    styles: page.renderer.css,
    title: [document.title, title],
    fetches,
  };
}
