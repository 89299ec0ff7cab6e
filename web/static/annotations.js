// annotations.js — the side panel of a board's comments and friction markers
// (web/annotations.templ AnnotationsUI), drawn from the page's store: the LiveBoard's
// view (live-core.js), whose comments and markers are Maps by id. It owns the panel, its
// filters and sort, the composer (a comment on a card, cell, link or stage; a reply; an
// edit), the completion of @mentions, the marker form, +1s and resolving. What it sends
// are annotation ops through the LiveBoard, never through undo.js (they are not in the
// undo stream). The badges on the board are the renderer's (render.js); this module only
// marks the anchor an item of the panel points at. It also tells the header's
// notifications (notifications.js) at once when an op mentions the reader or answers
// them, and starts "since you last looked" (since.js). Every text a person typed is put
// in as text (textContent), never as markup.

import {
  SEVERITIES, anchorExists, anchorKind, anchorString, evidenceLink, fill, newID, sortedComments, sortedMarkers,
} from './live-core.js';
import { threadOf } from './annotations-core.js';
import { readJSON } from './render.js';
import { startSince } from './since.js';

/** startAnnotations brings the panel of the board page to life; null without one. */
export function startAnnotations({ article, live }) {
  const panel = document.querySelector('[data-anno-panel]');
  const texts = readJSON('anno-texts');
  const viewer = readJSON('board-viewer') ?? {};
  if (!panel || !texts) return null;
  const a = new Annotations(article, live, panel, texts, viewer);
  startSince({ article, live, texts, viewer });
  return a;
}

const SEVERITY_RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]));
const MENTION = /(^|\s)@([^\s@]{0,40})$/u;

class Annotations {
  constructor(article, live, panel, texts, viewer) {
    Object.assign(this, { article, live, panel, texts, viewer });
    this.t = texts.t;
    this.plural = new Intl.PluralRules(texts.lang || 'en');
    this.dates = new Intl.DateTimeFormat(texts.lang || 'en', { dateStyle: 'medium', timeStyle: 'short' });
    this.me = viewer.by || `c:${live.keys.id}`;
    live.replica.setIdentity(this.me, viewer.name ?? '');
    this.canComment = !!viewer.can_comment;
    this.mode = { kind: 'new' }; // or {kind: 'reply', id} or {kind: 'edit', id}
    this.target = null; // the anchor chosen on the board (focus, click, C)
    this.people = null; // [{by, name}] once asked
    this.mentions = new Map(); // name → by, as picked in the composer
    this.dirty = true;

    this.toggle = document.querySelector('[data-anno-toggle]');
    this.total = document.querySelector('[data-anno-total]');
    document.querySelector('[data-anno-tools]')?.removeAttribute('hidden');
    document.querySelector('[data-anno-forms]')?.setAttribute('hidden', ''); // the plain forms: the panel does it
    this.filter = panel.querySelector('[data-anno-filter]');
    this.sort = panel.querySelector('[data-anno-sort]');
    this.threads = panel.querySelector('[data-anno-threads]');
    this.markers = panel.querySelector('[data-anno-markers]');
    this.composer = panel.querySelector('[data-anno-composer]');
    this.markerForm = panel.querySelector('[data-anno-marker-form]');
    this.error = panel.querySelector('[data-anno-error]');

    this.toggle?.addEventListener('click', () => this.open(this.panel.hidden));
    panel.querySelector('[data-anno-close]').addEventListener('click', () => this.open(false));
    panel.addEventListener('keydown', (e) => this.onPanelKey(e));
    this.filter.addEventListener('change', () => this.draw());
    this.sort.addEventListener('change', () => this.draw());
    document.addEventListener('keydown', (e) => this.onKey(e));
    article.addEventListener('focusin', (e) => { const an = this.anchorAt(e.target); if (an) this.target = an; });
    article.addEventListener('click', (e) => this.onBoardClick(e));
    if (this.composer) this.startComposer();

    live.addEventListener('view', (e) => {
      const ch = e.detail.changes;
      if (ch?.all || [...(ch?.keys ?? [])].length > 0) this.changed();
    });
    live.addEventListener('change', (e) => this.notify(e.detail.ops ?? []));
    live.addEventListener('nack', (e) => {
      if (e.detail.op && ['comment', 'marker', 'plusone'].includes(e.detail.op.type)) this.say(fill(this.t.refused, { message: e.detail.message ?? '' }));
    });
    this.drawTotal();
    if (location.hash.startsWith('#anno-')) this.show(decodeURIComponent(location.hash.slice(6)));
  }

  // --- opening, keys -------------------------------------------------------------------

  /** open shows or hides the panel; hidden, the focus goes back to the tool bar. */
  open(yes, focus = true) {
    if (yes === !this.panel.hidden) return;
    this.panel.hidden = !yes;
    document.body.classList.toggle('anno-open', yes);
    this.toggle?.setAttribute('aria-expanded', String(yes));
    if (yes) {
      this.draw();
      if (focus) this.panel.focus();
      this.askPeople();
    } else if (focus) {
      this.toggle?.focus();
    }
  }

  onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const el = e.target;
    if (el.closest?.('input, textarea, select, [contenteditable="true"], dialog')) return;
    if (e.key === 'C' && e.shiftKey) {
      e.preventDefault();
      this.open(this.panel.hidden);
      return;
    }
    if (!this.canComment || e.shiftKey) return;
    const anchor = this.anchorAt(el);
    if (!anchor) return;
    if (e.key === 'c' || e.key === 'm') swallowChar(e);
    if (e.key === 'c') {
      e.preventDefault();
      this.compose(anchor);
    } else if (e.key === 'm' && ['card', 'cell'].includes(anchorKind(anchor))) {
      e.preventDefault();
      this.compose(anchor, true);
    }
  }

  onPanelKey(e) {
    if (e.key === 'Escape' && !e.defaultPrevented) {
      e.preventDefault();
      if (this.mode.kind !== 'new') this.setMode({ kind: 'new' });
      else this.open(false);
    }
  }

  onBoardClick(e) {
    const badge = e.target.closest?.('[data-anno]');
    const anchor = this.anchorAt(e.target);
    if (anchor) this.target = anchor;
    if (badge && anchor) {
      this.open(true, false);
      this.fillAnchors(anchor);
      const first = this.panel.querySelector(`[data-anchor="${CSS.escape(anchorString(anchor))}"]`);
      first?.scrollIntoView({ block: 'nearest' });
      first?.querySelector('button')?.focus();
    }
  }

  // anchorAt returns the anchor of the board's part el is in: a card, a link's row, a
  // stage's header or a cell; null elsewhere.
  anchorAt(el) {
    if (!el?.closest || !this.article.contains(el)) return null;
    const card = el.closest('[data-card-id]');
    if (card && card.closest('td.cell')) return { card: card.dataset.cardId };
    const link = el.closest('tr[data-link-id]');
    if (link) return { link: link.dataset.linkId };
    const th = el.closest('th[data-stage-id]');
    if (th) return { stage: th.dataset.stageId };
    const td = el.closest('td.cell[data-stage-id]');
    if (td) return { stage: td.dataset.stageId, lane: td.dataset.laneId };
    return null;
  }

  /** compose opens the composer (or the marker form) on anchor, its text field focused. */
  compose(anchor, marker = false) {
    this.target = anchor;
    this.open(true, false);
    this.setMode({ kind: 'new' });
    this.fillAnchors(anchor);
    if (marker) {
      this.markerForm.hidden = false;
      this.markerForm.elements.text.focus();
    } else {
      this.composer.elements.text.focus();
    }
  }

  // --- what is drawn -------------------------------------------------------------------

  changed() {
    this.drawTotal();
    if (this.panel.hidden) {
      this.dirty = true;
      return;
    }
    this.draw();
  }

  drawTotal() {
    const v = this.live.view();
    if (!v || !this.total) return;
    let open = 0;
    for (const c of v.comments?.values() ?? []) if (!c.deleted && !threadOf(v, c).resolved) open++;
    for (const m of v.markers?.values() ?? []) if (!m.resolved) open++;
    this.total.textContent = open ? ` ${open}` : '';
  }

  /** draw draws the lists and the composer's choices from the view. */
  draw() {
    const v = this.live.view();
    if (!v) return;
    this.dirty = false;
    const filter = this.filter.value;
    // Threads, by their first comment.
    const byThread = new Map();
    for (const c of sortedComments(v)) {
      const root = threadOf(v, c);
      if (!byThread.has(root.id)) byThread.set(root.id, []);
      byThread.get(root.id).push(c);
    }
    const keep = (root, list) => {
      switch (filter) {
        case 'open': return !root.resolved;
        case 'resolved': return !!root.resolved;
        case 'mine': return list.some((c) => c.by === this.me);
        case 'mentions': return list.some((c) => !c.deleted && c.mentions?.includes(this.me));
        default: return true;
      }
    };
    const threads = [...byThread].map(([id, list]) => [v.comments.get(id), list]).filter(([root, list]) => root && keep(root, list));
    this.threads.replaceChildren(...threads.map(([root, list]) => this.drawThread(v, root, list)));
    if (threads.length === 0) this.threads.append(this.empty());

    let markers = sortedMarkers(v).filter((m) => {
      switch (filter) {
        case 'open': return !m.resolved;
        case 'resolved': return !!m.resolved;
        case 'mine': return m.by === this.me;
        case 'mentions': return false;
        default: return true;
      }
    });
    const plus = (m) => m.plus_ones?.length ?? 0;
    const newest = (a, b) => b.seq - a.seq;
    if (this.sort.value === 'severity') markers.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || plus(b) - plus(a) || newest(a, b));
    else if (this.sort.value === 'plusones') markers.sort((a, b) => plus(b) - plus(a) || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || newest(a, b));
    else markers = markers.sort(newest);
    this.markers.replaceChildren(...markers.map((m) => this.drawMarker(v, m)));
    if (markers.length === 0) this.markers.append(this.empty());
    if (this.composer) this.fillAnchors();
  }

  empty() {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = this.t.none;
    return li;
  }

  // anchorLine is the button that shows an item's anchor on the board, or the words
  // saying it was deleted.
  anchorLine(v, anchor) {
    if (!anchorExists(v, anchor)) {
      const p = el('p', 'anno-gone', this.t[`gone.${anchorKind(anchor)}`] ?? this.t['gone.card']);
      p.dataset.testid = 'anno-gone';
      return p;
    }
    const b = el('button', 'anno-anchor', this.anchorLabel(v, anchor));
    b.type = 'button';
    b.dataset.testid = 'anno-anchor';
    b.addEventListener('click', () => this.point(anchor));
    return b;
  }

  anchorLabel(v, anchor) {
    const cut = (s) => {
      const one = String(s ?? '').replace(/\s+/g, ' ').trim();
      return one.length > 60 ? `${one.slice(0, 59)}…` : one;
    };
    switch (anchorKind(anchor)) {
      case 'card': return fill(this.t['anchor.card'], { text: cut(v.cards.get(anchor.card)?.text) });
      case 'link': {
        const l = v.links.get(anchor.link);
        return fill(this.t['anchor.link'], { from: cut(v.cards.get(l?.from)?.text), to: cut(v.cards.get(l?.to)?.text) });
      }
      case 'stage': return fill(this.t['anchor.stage'], { name: cut(v.stages.get(anchor.stage)?.name) });
      case 'cell': return fill(this.t['anchor.cell'], { stage: cut(v.stages.get(anchor.stage)?.name), lane: cut(v.lanes.get(anchor.lane)?.label) });
      default: return '';
    }
  }

  // byline says who wrote a comment or a marker and when; an imported person's (by "i:…")
  // is marked imported: the name is the export's, and nobody here wrote it.
  byline(who, at, edited, by) {
    const p = el('p', 'anno-by');
    p.append(el('bdi', 'anno-author', who || '?'));
    if (by?.startsWith('i:')) {
      const mark = el('span', 'anno-imported', this.t.imported);
      mark.title = this.t.imported_title;
      mark.dataset.testid = 'anno-imported';
      p.append(' · ', mark);
    }
    if (at) {
      const time = el('time', '', this.dates.format(new Date(at)));
      time.dateTime = new Date(at).toISOString();
      p.append(' · ', time);
    }
    if (edited) p.append(' · ', el('span', 'anno-edited', this.t.edited));
    return p;
  }

  drawThread(v, root, list) {
    const li = el('li', `anno-thread${root.resolved ? ' resolved' : ''}`);
    li.id = `anno-${root.id}`;
    li.dataset.testid = 'anno-thread';
    li.dataset.anchor = anchorString(root.anchor);
    li.append(this.anchorLine(v, root.anchor));
    for (const c of list) {
      const art = el('article', 'anno-comment');
      art.id = c === root ? '' : `anno-${c.id}`;
      if (!art.id) art.removeAttribute('id');
      art.dataset.commentId = c.id;
      art.dataset.testid = 'anno-comment';
      art.append(this.byline(c.author, c.at, c.edited_at, c.by));
      if (c.deleted) {
        art.append(el('p', 'anno-body deleted', this.t.deleted));
      } else {
        art.append(el('p', 'anno-body user-text', c.text));
        const own = c.by === this.me;
        const actions = el('div', 'anno-actions');
        if (this.canComment && own) actions.append(this.button(this.t.edit, 'anno-edit', () => this.setMode({ kind: 'edit', id: c.id })));
        if (this.canComment && (own || this.viewer.moderator)) {
          actions.append(this.button(this.t.delete, 'anno-delete', () => this.send({ op: 'delete', type: 'comment', id: c.id })));
        }
        if (actions.childElementCount) art.append(actions);
      }
      li.append(art);
    }
    if (root.resolved) li.append(el('p', 'anno-resolved', fill(this.t.resolved_by, { name: root.resolver || '?' })));
    if (this.canComment) {
      const actions = el('div', 'anno-actions');
      actions.append(this.button(this.t.reply, 'anno-reply', () => this.setMode({ kind: 'reply', id: root.id })));
      actions.append(root.resolved
        ? this.button(this.t.reopen, 'anno-reopen', () => this.send({ op: 'update', type: 'comment', id: root.id, fields: { resolved: false } }))
        : this.button(this.t.resolve, 'anno-resolve', () => this.send({ op: 'update', type: 'comment', id: root.id, fields: { resolved: true } })));
      li.append(actions);
    }
    return li;
  }

  drawMarker(v, m) {
    const li = el('li', `anno-marker-item${m.resolved ? ' resolved' : ''}`);
    li.id = `anno-${m.id}`;
    li.dataset.testid = 'anno-marker';
    li.dataset.severity = m.severity;
    li.dataset.anchor = anchorString(m.anchor);
    const head = el('p', 'anno-marker-head');
    const sev = el('span', 'anno-severity', this.texts.severity[m.severity] ?? m.severity);
    sev.dataset.severity = m.severity;
    head.append(sev, ' ', el('span', 'anno-kind', this.texts.kind[m.kind] ?? m.kind));
    const n = m.plus_ones?.length ?? 0;
    if (n) head.append(' · ', el('span', 'anno-plusones', this.count('plusones', n)));
    li.append(head, this.anchorLine(v, m.anchor), el('p', 'anno-body user-text', m.text));
    if (m.evidence) {
      const link = evidenceLink(m.evidence);
      const p = el('p', 'anno-evidence user-text');
      if (link) {
        const a = el('a', '', m.evidence);
        a.href = link;
        a.rel = 'noopener noreferrer nofollow';
        a.target = '_blank';
        p.append(a);
      } else {
        p.textContent = m.evidence;
      }
      li.append(p);
    }
    li.append(this.byline(m.author, m.at, m.edited_at, m.by));
    if (m.resolved) li.append(el('p', 'anno-resolved user-text', fill(m.resolution ? this.t.resolved_how : this.t.resolved_by, { name: m.resolver || '?', text: m.resolution ?? '' })));
    if (!this.canComment) return li;
    const actions = el('div', 'anno-actions');
    const own = m.by === this.me;
    const mine = m.plus_ones?.some((p) => p.by === this.me);
    if (mine) actions.append(this.button(this.t.withdraw, 'anno-withdraw', () => this.send({ op: 'delete', type: 'plusone', id: m.id })));
    else if (!own) actions.append(this.button(this.t.plusone, 'anno-plusone', () => this.send({ op: 'create', type: 'plusone', id: m.id })));
    if (m.resolved) {
      actions.append(this.button(this.t.reopen, 'anno-reopen', () => this.send({ op: 'update', type: 'marker', id: m.id, fields: { resolved: false } })));
    } else {
      actions.append(this.button(this.t.resolve, 'anno-resolve', () => {
        const form = this.resolveForm(m);
        actions.replaceWith(form);
        form.elements.resolution.focus();
      }));
    }
    if (own || this.viewer.moderator) actions.append(this.button(this.t.delete, 'anno-delete', () => this.send({ op: 'delete', type: 'marker', id: m.id })));
    li.append(actions);
    return li;
  }

  // resolveForm asks how a marker was resolved, in a sentence.
  resolveForm(m) {
    const form = el('form', 'anno-resolve-form');
    form.noValidate = true;
    const label = el('label', '', this.t.resolution);
    const input = el('input');
    input.name = 'resolution';
    input.maxLength = 500;
    input.dataset.testid = 'anno-resolution';
    label.append(input);
    const ok = el('button', '', this.t.resolve);
    ok.type = 'submit';
    ok.dataset.testid = 'anno-resolve-send';
    const cancel = this.button(this.t.cancel, 'anno-resolve-cancel', () => this.draw());
    form.append(label, ok, cancel);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.send({ op: 'update', type: 'marker', id: m.id, fields: { resolved: true, resolution: input.value.trim() } });
    });
    form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.draw(); } });
    return form;
  }

  button(text, testid, fn) {
    const b = el('button', '', text);
    b.type = 'button';
    b.dataset.testid = testid;
    b.addEventListener('click', fn);
    return b;
  }

  count(what, n) {
    const forms = this.texts.plural[what];
    return (forms[this.plural.select(n)] ?? forms.other).replace('{n}', String(n));
  }

  /** point scrolls the board to anchor and marks it, until the next one. */
  point(anchor) {
    const node = this.nodeOf(anchor);
    for (const old of this.article.querySelectorAll('.anno-target')) old.classList.remove('anno-target');
    if (!node) return;
    node.classList.add('anno-target');
    node.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    this.target = anchor;
  }

  nodeOf(anchor) {
    const q = (sel) => this.article.querySelector(sel);
    switch (anchorKind(anchor)) {
      case 'card': return q(`[data-card-id="${CSS.escape(anchor.card)}"]`);
      case 'link': return q(`tr[data-link-id="${CSS.escape(anchor.link)}"]`);
      case 'stage': return q(`th[data-stage-id="${CSS.escape(anchor.stage)}"]`);
      case 'cell': return q(`td.cell[data-stage-id="${CSS.escape(anchor.stage)}"][data-lane-id="${CSS.escape(anchor.lane)}"]`);
      default: return null;
    }
  }

  /** show opens the panel on the item id (a comment or a marker), as a notification's link does. */
  show(id) {
    this.filter.value = 'all';
    this.open(true, false);
    const item = document.getElementById(`anno-${id}`);
    if (!item) return;
    item.scrollIntoView({ block: 'nearest' });
    item.querySelector('button')?.focus();
    const v = this.live.view();
    const a = v?.comments.get(id) ?? v?.markers.get(id);
    if (a) this.point(threadOf(v, a).anchor ?? a.anchor);
  }

  // --- the composer --------------------------------------------------------------------

  startComposer() {
    const f = this.composer;
    this.anchors = f.querySelector('[data-anno-anchor]');
    this.text = f.elements.text;
    this.list = f.querySelector('[data-anno-people]');
    this.modeLine = el('p', 'anno-mode');
    this.modeLine.dataset.testid = 'anno-mode';
    this.modeLine.hidden = true;
    f.prepend(this.modeLine);
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitComment();
    });
    this.text.addEventListener('input', () => this.complete());
    this.text.addEventListener('keydown', (e) => this.onTextKey(e));
    this.text.addEventListener('blur', () => setTimeout(() => this.closeList(), 150));
    this.anchors.addEventListener('change', () => { this.target = parseAnchor(this.anchors.value); });
    f.querySelector('[data-anno-mark-open]').addEventListener('click', () => {
      this.markerForm.hidden = false;
      this.markerForm.elements.text.focus();
    });
    this.markerForm.querySelector('[data-anno-mark-cancel]').addEventListener('click', () => {
      this.markerForm.hidden = true;
      f.querySelector('[data-anno-mark-open]').focus();
    });
    this.markerForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitMarker();
    });
  }

  // fillAnchors lists what the composer may comment on: the anchor chosen on the board
  // (or chosen), then the cards, stages and links.
  fillAnchors(want) {
    if (!this.anchors) return;
    const v = this.live.view();
    if (!v) return;
    const chosen = want ?? parseAnchor(this.anchors.value) ?? this.target;
    const opts = [];
    const seen = new Set();
    const add = (a) => {
      const k = anchorString(a);
      if (!k || seen.has(k) || !anchorExists(v, a)) return;
      seen.add(k);
      const o = document.createElement('option');
      o.value = k;
      o.textContent = this.anchorLabel(v, a);
      opts.push(o);
    };
    if (chosen) add(chosen);
    if (this.target) add(this.target);
    const stages = [...v.stages.values()].sort(byOrder);
    const lanes = [...v.lanes.values()].filter((l) => !l.hidden).sort(byOrder);
    for (const l of lanes) for (const s of stages) for (const c of [...v.cards.values()].filter((c) => c.stage === s.id && c.lane === l.id).sort(byOrder)) add({ card: c.id });
    for (const s of stages) add({ stage: s.id });
    for (const l of [...v.links.values()].sort((x, y) => (x.id < y.id ? -1 : 1))) add({ link: l.id });
    this.anchors.replaceChildren(...opts);
    if (chosen && seen.has(anchorString(chosen))) this.anchors.value = anchorString(chosen);
  }

  setMode(mode) {
    this.mode = mode;
    const v = this.live.view();
    const c = mode.id ? v?.comments.get(mode.id) : null;
    this.anchors.disabled = mode.kind !== 'new';
    this.modeLine.hidden = mode.kind === 'new';
    const send = this.composer.querySelector('[data-testid="anno-send"]');
    send.textContent = mode.kind === 'reply' ? this.t.reply : mode.kind === 'edit' ? this.t.save : this.t.send;
    if (mode.kind !== 'new' && c) {
      this.modeLine.replaceChildren(el('span', '', `${mode.kind === 'reply' ? this.t.reply : this.t.edit} · `), el('bdi', '', c.author || '?'), ' ',
        this.button(this.t.cancel, 'anno-mode-cancel', () => this.setMode({ kind: 'new' })));
      this.fillAnchors(c.anchor);
    }
    this.mentions.clear();
    if (mode.kind === 'edit' && c) {
      this.text.value = c.text;
      for (const by of c.mentions ?? []) {
        const p = this.people?.find((x) => x.by === by);
        if (p) this.mentions.set(p.name, by);
      }
    } else if (mode.kind !== 'new') {
      this.text.value = '';
    }
    this.say('');
    if (mode.kind !== 'new') {
      this.open(true, false);
      this.text.focus();
    }
  }

  submitComment() {
    const text = this.text.value;
    if (!text.trim()) {
      this.say(this.t.empty, this.text);
      return;
    }
    const mentions = [...this.mentions].filter(([name]) => text.includes(`@${name}`)).map(([, by]) => by);
    let op;
    if (this.mode.kind === 'edit') {
      op = { op: 'update', type: 'comment', id: this.mode.id, fields: { text, mentions } };
    } else if (this.mode.kind === 'reply') {
      op = { op: 'create', type: 'comment', id: newID('m'), fields: { parent: this.mode.id, text, ...(mentions.length ? { mentions } : {}) } };
    } else {
      const anchor = parseAnchor(this.anchors.value);
      if (!anchor) {
        this.say(this.t.empty, this.anchors);
        return;
      }
      op = { op: 'create', type: 'comment', id: newID('m'), fields: { anchor, text, ...(mentions.length ? { mentions } : {}) } };
    }
    if (!this.send(op)) return;
    this.text.value = '';
    this.mentions.clear();
    this.setMode({ kind: 'new' });
    this.text.focus();
  }

  submitMarker() {
    const f = this.markerForm.elements;
    const anchor = parseAnchor(this.anchors.value);
    const text = f.text.value.trim();
    if (!text || !anchor) {
      this.say(this.t.empty, f.text);
      return;
    }
    const fields = { anchor, severity: f.severity.value, kind: f.kind.value, text };
    if (f.evidence.value.trim()) fields.evidence = f.evidence.value.trim();
    if (!this.send({ op: 'create', type: 'marker', id: newID('f'), fields })) return;
    f.text.value = '';
    f.evidence.value = '';
    this.markerForm.hidden = true;
    this.composer.querySelector('[data-anno-mark-open]').focus();
  }

  /** send submits an annotation op; a malformed one is refused here, with its message. */
  send(op) {
    try {
      this.live.submit(op);
      this.say('');
      return true;
    } catch (err) {
      this.say(fill(this.t.refused, { message: err.message }));
      return false;
    }
  }

  say(text, field) {
    if (this.error) this.error.textContent = text;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      field.addEventListener('input', () => field.removeAttribute('aria-invalid'), { once: true });
    }
  }

  // --- @mentions -----------------------------------------------------------------------

  askPeople() {
    if (!this.canComment || this.asking) return this.asking;
    const id = this.article.dataset.boardId;
    this.asking = fetch(`/api/boards/${encodeURIComponent(id)}/people`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : { people: [] }))
      .then((d) => { this.people = (d.people ?? []).filter((p) => p.by !== this.me); })
      .catch(() => {})
      .finally(() => { this.asking = null; });
    return this.asking;
  }

  // complete lists the people whose name starts with what follows the @ before the caret.
  complete() {
    const before = this.text.value.slice(0, this.text.selectionStart);
    const m = MENTION.exec(before);
    if (!m) return this.closeList();
    if (!this.people) {
      this.askPeople()?.then(() => this.complete());
      return;
    }
    const q = m[2].toLocaleLowerCase();
    const found = this.people.filter((p) => p.name.toLocaleLowerCase().split(/[\s@.]+/).some((w) => w.startsWith(q)) || p.name.toLocaleLowerCase().startsWith(q)).slice(0, 8);
    if (found.length === 0) return this.closeList();
    this.query = m[2];
    this.list.replaceChildren(...found.map((p, i) => {
      const li = el('li', '', p.name);
      li.id = `anno-person-${i}`;
      li.setAttribute('role', 'option');
      li.dataset.by = p.by;
      li.dataset.testid = 'anno-person';
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        this.pick(p);
      });
      return li;
    }));
    this.list.hidden = false;
    this.text.setAttribute('aria-expanded', 'true');
    this.select(0);
  }

  select(i) {
    const items = [...this.list.children];
    this.active = (i + items.length) % items.length;
    items.forEach((li, j) => li.setAttribute('aria-selected', String(j === this.active)));
    this.text.setAttribute('aria-activedescendant', items[this.active].id);
  }

  closeList() {
    if (!this.list || this.list.hidden) return;
    this.list.hidden = true;
    this.text.setAttribute('aria-expanded', 'false');
    this.text.removeAttribute('aria-activedescendant');
  }

  onTextKey(e) {
    if (!this.list.hidden) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.select(this.active + (e.key === 'ArrowDown' ? 1 : -1));
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        const li = this.list.children[this.active];
        this.pick(this.people.find((p) => p.by === li.dataset.by));
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.closeList();
        return;
      }
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      this.submitComment();
    }
  }

  // pick puts @name in place of what was typed after the @, and keeps who it is.
  pick(p) {
    if (!p) return;
    const at = this.text.selectionStart;
    const start = at - this.query.length;
    const insert = `${p.name} `;
    this.text.setRangeText(insert, start, at, 'end');
    this.mentions.set(p.name, p.by);
    this.closeList();
    this.text.focus();
  }

  // --- telling the header --------------------------------------------------------------

  // notify tells notifications.js at once when committed ops mention the reader, answer
  // a thread they wrote in, or +1 their marker: the server wrote the notification with
  // the op.
  notify(ops) {
    const v = this.live.view();
    for (const c of ops) {
      const op = c.op ?? c;
      if (!op || c.by === this.me) continue;
      let mine = false;
      if (op.type === 'comment') {
        mine = !!op.fields?.mentions?.includes(this.me);
        if (!mine && op.op === 'create' && op.fields?.parent && v) {
          const thread = threadOf(v, v.comments.get(op.fields.parent) ?? { parent: '' });
          mine = [...v.comments.values()].some((x) => x.by === this.me && (x.id === thread.id || threadOf(v, x).id === thread.id));
        }
      } else if (op.type === 'plusone' && op.op === 'create') {
        mine = v?.markers.get(op.id)?.by === this.me;
      }
      if (mine) {
        document.dispatchEvent(new CustomEvent('lastmile:notify'));
        return;
      }
    }
  }
}

// swallowChar keeps the character of a key that moved the focus into a text field from
// being typed there, where a browser (or a test driver) sends it after the keydown.
function swallowChar(e) {
  const swallow = (ev) => { if (ev.key === e.key) ev.preventDefault(); };
  document.addEventListener('keypress', swallow, true);
  document.addEventListener('keyup', () => document.removeEventListener('keypress', swallow, true), { once: true, capture: true });
}

function el(tag, className = '', text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// parseAnchor reads an anchor written as anchorString writes it.
function parseAnchor(s) {
  const m = /^(card|link|stage|cell):(.+)$/.exec(s ?? '');
  if (!m) return null;
  if (m[1] === 'cell') {
    const [stage, lane] = m[2].split('/');
    return stage && lane ? { stage, lane } : null;
  }
  return { [m[1]]: m[2] };
}

function byOrder(a, b) {
  return a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
