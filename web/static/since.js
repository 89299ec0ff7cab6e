// since.js — "since you last looked" on the board page (web/annotations.templ SinceUI).
// When the reader comes back (their last-seen point, in #board-viewer, is behind the
// page), it asks the server what changed since (GET /api/boards/{id}/since, computed from
// the op log) and marks exactly that on the board: what was added or changed, and the
// anchors of what was commented, marked or resolved (class since-mark, data-since naming
// what happened); what was deleted is only listed. A summary says how many changes, since
// when and by how many people; Previous and Next (or [ and ]) step through them, each
// brought into view and described in a live region; "mark all as seen" moves the
// last-seen point to the page's sequence (POST …/seen) and takes the marks away. The
// marks are the page's own classes and attributes on the board's nodes, which the
// renderer keeps (docs/page.md).

import { anchorKind, fill } from './live-core.js';
import { threadOf } from './annotations-core.js';

/** startSince starts it on the board page; it does nothing on a first visit. */
export function startSince({ article, live, texts, viewer }) {
  const bar = document.querySelector('[data-since]');
  // Without a session (no identity) there is no last-seen point.
  if (!bar || !viewer.by || viewer.first_visit || !(viewer.last_seen >= 0) || live.seq <= viewer.last_seen) return null;
  return new Since(article, live, bar, texts, viewer);
}

class Since {
  constructor(article, live, bar, texts, viewer) {
    Object.assign(this, { article, live, bar, texts, viewer });
    this.t = texts.t;
    this.plural = new Intl.PluralRules(texts.lang || 'en');
    this.items = [];
    this.at = -1;
    const id = article.dataset.boardId;
    this.id = id;
    bar.querySelector('[data-since-next]').addEventListener('click', () => this.step(1));
    bar.querySelector('[data-since-prev]').addEventListener('click', () => this.step(-1));
    bar.querySelector('[data-since-seen]').addEventListener('click', () => this.seen());
    document.addEventListener('keydown', (e) => {
      if (this.bar.hidden || e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.('input, textarea, select, dialog')) return;
      if (e.key === ']' || e.key === '[') {
        e.preventDefault();
        this.step(e.key === ']' ? 1 : -1);
      }
    });
    // Nodes the renderer makes anew (a card moved back, a row shown again) get their mark.
    article.addEventListener('board:render', () => { if (!this.bar.hidden) this.mark(); });
    fetch(`/api/boards/${encodeURIComponent(id)}/since?seq=${viewer.last_seen}`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((d) => { if (d) this.show(d.since); })
      .catch(() => {});
  }

  // show lists what changed, marks it and says so.
  show(s) {
    this.since = s;
    const v = this.live.view();
    const items = [];
    const seen = new Map(); // node key → item
    const add = (what, type, id, anchor, label) => {
      const key = anchor ? anchorKey(anchor) : `${type}:${id}`;
      if (seen.has(key)) {
        const it = seen.get(key);
        if (!it.what.includes(what)) it.what.push(what);
        return;
      }
      const it = { what: [what], type, id, anchor, label };
      seen.set(key, it);
      items.push(it);
    };
    for (const [kind, byType] of [['added', s.added], ['changed', s.changed]]) {
      for (const [type, ids] of Object.entries(byType ?? {})) {
        for (const id of ids) add(kind, type, id, type === 'card' ? { card: id } : type === 'stage' ? { stage: id } : type === 'link' ? { link: id } : null);
      }
    }
    for (const [type, gone] of Object.entries(s.deleted ?? {})) for (const g of gone) add('deleted', type, g.id, null, g.label);
    const anchorOf = (coll, id) => {
      const x = v?.[coll]?.get(id);
      if (!x) return null;
      return coll === 'comments' ? threadOf(v, x).anchor : x.anchor;
    };
    const c = s.comments ?? {};
    const m = s.markers ?? {};
    for (const [what, coll, ids] of [['commented', 'comments', [...(c.added ?? []), ...(c.edited ?? []), ...(c.deleted ?? [])]],
      ['resolved', 'comments', [...(c.resolved ?? []), ...(c.reopened ?? [])]],
      ['marked', 'markers', [...(m.added ?? []), ...(m.edited ?? []), ...(m.deleted ?? []), ...(m.plus_oned ?? [])]],
      ['resolved', 'markers', [...(m.resolved ?? []), ...(m.reopened ?? [])]]]) {
      for (const id of ids) {
        const anchor = anchorOf(coll, id);
        if (anchor) add(what, coll === 'comments' ? 'comment' : 'marker', id, anchor);
      }
    }
    this.items = items;
    if (items.length === 0) return;
    const when = this.viewer.last_seen_at ? new Date(this.viewer.last_seen_at) : null;
    const people = s.people?.length ?? 0;
    const date = when ? formatWhen(when, this.texts.lang) : '';
    this.bar.querySelector('[data-since-summary]').textContent = fill(this.t['since.summary'], {
      changes: this.count('changes', items.length), date, people: this.count('people', people),
    });
    this.bar.hidden = false;
    this.mark();
    this.position();
  }

  count(what, n) {
    const forms = this.texts.plural[what];
    return (forms[this.plural.select(n)] ?? forms.other).replace('{n}', String(n));
  }

  nodeOf(it) {
    const a = it.anchor;
    if (!a) {
      if (it.type === 'lane') return this.article.querySelector(`tr[data-lane-id="${CSS.escape(it.id)}"] > th`);
      if (it.type === 'team') return this.article.querySelector(`[data-legend] li[data-team="${CSS.escape(it.id)}"]`);
      if (it.type === 'board') return this.article.querySelector('[data-testid="board-title"]');
      return null;
    }
    switch (anchorKind(a)) {
      case 'card': return this.article.querySelector(`[data-card-id="${CSS.escape(a.card)}"]`);
      case 'link': return this.article.querySelector(`tr[data-link-id="${CSS.escape(a.link)}"]`);
      case 'stage': return this.article.querySelector(`th[data-stage-id="${CSS.escape(a.stage)}"]`);
      case 'cell': return this.article.querySelector(`td.cell[data-stage-id="${CSS.escape(a.stage)}"][data-lane-id="${CSS.escape(a.lane)}"]`);
      default: return null;
    }
  }

  // mark puts the marks on the board's nodes of the items, and on none other.
  mark() {
    const want = new Map();
    for (const it of this.items) {
      if (it.what.includes('deleted')) continue;
      const node = this.nodeOf(it);
      if (node) want.set(node, it.what.join(' '));
    }
    for (const old of this.article.querySelectorAll('.since-mark')) {
      if (!want.has(old)) {
        old.classList.remove('since-mark', 'since-current');
        old.removeAttribute('data-since');
      }
    }
    for (const [node, what] of want) {
      node.classList.add('since-mark');
      node.dataset.since = what;
    }
  }

  step(d) {
    if (this.items.length === 0) return;
    this.at = (this.at + d + this.items.length) % this.items.length;
    for (const old of this.article.querySelectorAll('.since-current')) old.classList.remove('since-current');
    const it = this.items[this.at];
    const node = this.nodeOf(it);
    if (node && !it.what.includes('deleted')) {
      node.classList.add('since-current');
      node.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    }
    this.position();
    this.bar.querySelector('[data-since-item]').textContent = this.describe(it, node);
  }

  describe(it, node) {
    const what = it.what.map((w) => this.t[`since.${w}`] ?? w).join(', ');
    const label = it.label ?? (node?.querySelector('.card-text, .stage-name, .lane-name')?.textContent ?? node?.cells?.[0]?.textContent ?? '');
    const one = String(label).replace(/\s+/g, ' ').trim();
    return one ? `${what}: ${one.length > 80 ? `${one.slice(0, 79)}…` : one}` : what;
  }

  position() {
    this.bar.querySelector('[data-since-position]').textContent = fill(this.t['since.position'], { i: String(this.at + 1), n: String(this.items.length) });
  }

  seen() {
    fetch(`/api/boards/${encodeURIComponent(this.id)}/seen`, {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ seq: this.since?.to ?? this.live.seq }),
    }).then((r) => {
      if (!r.ok) return;
      this.items = [];
      this.mark();
      this.bar.hidden = true;
    }).catch(() => {});
  }
}

function anchorKey(a) {
  return Object.entries(a).map(([k, v]) => `${k}=${v}`).sort().join('&');
}

// formatWhen writes a moment as "Tuesday 15:02" within the week, else with its date.
function formatWhen(d, lang) {
  const week = Date.now() - d.getTime() < 6 * 24 * 3600 * 1000;
  const f = week ? { weekday: 'long', hour: '2-digit', minute: '2-digit' } : { dateStyle: 'medium', timeStyle: 'short' };
  return new Intl.DateTimeFormat(lang || 'en', f).format(d);
}
