// votes.js — the board's dot votes on the page (docs/facilitation.md). From the
// LiveBoard's 'facilitation' events it shows everyone whether a vote is open, and the
// ranked results of the closed ones (a badge on each voted item, and the dialog); from its
// 'ballot' events, this person's own votes, which nobody else sees while the vote is open.
// Those who may vote get a ● button on each item the vote is on (V and Shift+V on a
// focused card); the facilitator opens, closes, reopens and discards votes from the
// dialog. It owns the VotesUI component (web/votes.templ) and the vote marks it puts on
// cards and on the friction markers of the side panel.

import { focusLeftAlone } from './dialog.js';

const MARK = 'vote-mark';

// fill puts values in the {name}s of a text template, in one pass: a value holding
// "{n}" is left as it is.
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));

/**
 * startVotes makes the VotesUI of the page work, if there is one.
 * @param {{article: HTMLElement, live: import('./live.js').LiveBoard}} o
 */
export function startVotes({ article, live }) {
  const root = document.querySelector('[data-votes]');
  if (!root) return null;
  return new Votes(root, article, live);
}

class Votes {
  constructor(root, article, live) {
    Object.assign(this, { root, article, live });
    this.t = root.dataset;
    this.plural = new Intl.PluralRules(this.t.lang || 'en');
    this.canVote = this.t.canVote === 'true';
    this.moderator = this.t.moderator === 'true';
    this.votes = [];
    this.offset = 0; // the server's clock minus the page's
    this.seq = -1;
    this.ballot = null;
    this.pending = false; // a vote or an action was sent and its answer not seen
    this.badge = root.querySelector('[data-vote-badge]');
    this.announce = root.querySelector('[data-vote-announce]');
    this.dialog = root.querySelector('[data-vote-dialog]');
    this.error = root.querySelector('[data-vote-error]');
    this.form = root.querySelector('[data-vote-open-form]');
    this.opener = root.querySelector('[data-vote-dialog-open]');

    live.addEventListener('facilitation', (e) => this.onState(e.detail));
    live.addEventListener('ballot', (e) => {
      this.ballot = e.detail;
      this.pending = false;
      this.error.textContent = '';
      this.draw();
    });
    live.addEventListener('error', (e) => {
      if (!this.pending) return;
      this.pending = false;
      this.error.textContent = e.detail.message;
      if (!this.dialog.open) this.announce.textContent = e.detail.message;
    });
    live.addEventListener('view', () => this.schedule());
    article.addEventListener('board:render', () => this.schedule());
    if (live.facilitation) this.onState({ facilitation: live.facilitation, now: live.facilitationNow });
    if (live.ballot) this.ballot = live.ballot;

    this.opener.addEventListener('click', () => this.openDialog());
    root.querySelector('[data-vote-dialog-close]').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => {
      if (focusLeftAlone(this.dialog, this.opener)) this.opener.focus();
    });
    this.dialog.addEventListener('click', (e) => this.onDialogClick(e));
    this.form?.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(this.form);
      const vote = { action: 'open', on: data.get('on'), per_person: Number(data.get('per_person')), multiple: data.get('multiple') === 'on' };
      const minutes = Number(data.get('minutes'));
      if (minutes > 0) vote.minutes = minutes;
      this.act(vote);
    });
    // Clicks on the ● buttons, on the board and in the side panel.
    document.addEventListener('click', (e) => {
      const b = e.target.closest?.('[data-vote-item]');
      if (!b || !this.root.isConnected) return;
      e.preventDefault();
      e.stopPropagation();
      this.cast(b.dataset.voteItem, Number(b.dataset.voteDelta));
    }, true);
    article.addEventListener('keydown', (e) => {
      if ((e.key !== 'v' && e.key !== 'V') || e.ctrlKey || e.metaKey || e.altKey) return;
      const card = e.target.closest?.('td.cell > .card');
      if (!card || e.target !== card || !this.votable('card')) return;
      e.preventDefault();
      this.cast(card.dataset.cardId, e.shiftKey ? -1 : 1);
    });
    // The side panel draws its markers again as annotations change: mark them again.
    const panel = document.querySelector('[data-anno-panel]') ?? document.body;
    new MutationObserver(() => this.schedule()).observe(panel, { childList: true, subtree: true });
    setInterval(() => this.tick(), 1000);
  }

  open() { return this.votes.find((v) => v.open) ?? null; }

  last() {
    let last = null;
    for (const v of this.votes) if (!v.open && (!last || v.closed_at >= last.closed_at)) last = v;
    return last;
  }

  onState({ facilitation, now }) {
    if (!facilitation || facilitation.seq < this.seq) return;
    const before = this.open()?.id ?? null;
    this.seq = facilitation.seq;
    if (typeof now === 'number') this.offset = now - Date.now();
    this.votes = facilitation.votes ?? [];
    const open = this.open();
    if (open?.id !== this.ballot?.vote) this.ballot = open ? { vote: open.id, items: {}, used: 0 } : null;
    if (open && open.id !== before) this.announce.textContent = this.t.opened;
    if (!open && before) this.announce.textContent = this.t.closed;
    this.pending = false;
    this.root.hidden = !this.moderator && this.votes.length === 0;
    this.draw();
  }

  votable(kind) {
    const v = this.open();
    return !!v && this.canVote && (v.on === 'both' || v.on === `${kind}s`);
  }

  cast(item, delta) {
    const v = this.open();
    if (!v || !this.canVote) return;
    this.pending = true;
    this.live.vote(item, delta);
  }

  act(vote) {
    this.pending = true;
    this.error.textContent = '';
    this.live.facilitate({ vote });
  }

  onDialogClick(e) {
    const b = e.target.closest('[data-vote-action]');
    if (!b) return;
    const action = b.dataset.voteAction;
    if (action === 'close') this.act({ action: 'close' });
    else if (action === 'discard-open') this.act({ action: 'discard', id: this.open()?.id });
    else this.act({ action, id: b.dataset.voteId });
  }

  openDialog() {
    this.error.textContent = '';
    this.drawDialog();
    this.dialog.showModal();
  }

  count(what, n) {
    const form = this.t[`${what}${this.plural.select(n) === 'one' ? 'One' : 'Other'}`];
    return form.replace('{n}', String(n));
  }

  // left is the time left of the open vote, "m:ss", or '' without a time limit.
  left(v) {
    if (!v?.ends_at) return '';
    const s = Math.max(0, Math.ceil((v.ends_at - (Date.now() + this.offset)) / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }

  tick() {
    const v = this.open();
    if (v?.ends_at) this.drawBadge();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawMarks();
    });
  }

  draw() {
    this.drawBadge();
    this.drawMarks();
    if (this.dialog.open) this.drawDialog();
  }

  drawBadge() {
    const v = this.open();
    this.badge.hidden = !v;
    if (!v) return;
    const parts = [this.t[v.on === 'cards' ? 'openOnCards' : v.on === 'markers' ? 'openOnMarkers' : 'openOnBoth']];
    if (this.canVote) parts.push(this.count('left', Math.max(0, v.per_person - (this.ballot?.used ?? 0))));
    const left = this.left(v);
    if (left) parts.push(this.t.ends.replace('{t}', left));
    const text = parts.join(' · ');
    if (this.badge.textContent !== text) this.badge.textContent = text;
  }

  // name returns what an item is called in the results: a card's text, or a marker's.
  name(id) {
    const view = this.live.view();
    const get = (m) => (m instanceof Map ? m.get(id) : m?.[id]);
    const card = get(view?.cards);
    if (card) return card.text || '…';
    const marker = get(view?.markers);
    if (marker) return this.t.marker.replace('{text}', () => marker.text || '…');
    return this.t.deleted;
  }

  // drawMarks puts on each card (and each marker of the side panel) the ● buttons of the
  // open vote, or the result of the last closed one; what is drawn is redrawn only when
  // it changes.
  drawMarks() {
    const open = this.open();
    const last = open ? null : this.last();
    const results = new Map((last?.results ?? []).map((r, i) => [r.item, [r.votes, i + 1]]));
    const items = [];
    for (const card of this.article.querySelectorAll('td.cell > .card[data-card-id]')) items.push([card, card.dataset.cardId, 'card']);
    for (const li of document.querySelectorAll('li[data-testid="anno-marker"][id^="anno-"]')) items.push([li, li.id.slice(5), 'marker']);
    for (const [node, id, kind] of items) {
      let want = null;
      if (open && this.votable(kind)) want = this.buttons(id, node, kind);
      else if (last && results.has(id) && (last.on === 'both' || last.on === `${kind}s`)) want = this.result(id, ...results.get(id));
      this.place(node, want);
    }
  }

  buttons(id, node, kind) {
    const mine = this.ballot?.items?.[id] ?? 0;
    const text = node.querySelector('.card-text, .anno-body')?.textContent ?? '';
    const key = `b:${mine}:${text}`;
    return [key, () => {
      const span = document.createElement('span');
      span.className = `${MARK} vote-buttons noprint`;
      const add = document.createElement('button');
      add.type = 'button';
      add.className = 'vote-dot';
      add.dataset.voteItem = id;
      add.dataset.voteDelta = '1';
      add.dataset.testid = 'vote-add';
      add.tabIndex = kind === 'card' ? -1 : 0; // a card takes V and Shift+V
      add.textContent = mine > 0 ? `● ${mine}` : '●';
      add.setAttribute('aria-label', fill(this.t.voteFor, { text, n: mine }));
      add.title = add.getAttribute('aria-label');
      span.append(add);
      if (mine > 0) {
        const back = document.createElement('button');
        back.type = 'button';
        back.className = 'vote-back';
        back.dataset.voteItem = id;
        back.dataset.voteDelta = '-1';
        back.dataset.testid = 'vote-back';
        back.tabIndex = kind === 'card' ? -1 : 0;
        back.textContent = '−';
        back.setAttribute('aria-label', this.t.takeBack.replace('{text}', () => text));
        back.title = back.getAttribute('aria-label');
        span.append(back);
      }
      return span;
    }];
  }

  result(id, votes, rank) {
    return [`r:${votes}:${rank}`, () => {
      const span = document.createElement('span');
      span.className = `${MARK} vote-result`;
      span.dataset.testid = 'vote-result';
      span.dataset.votes = String(votes);
      span.dataset.rank = String(rank);
      span.textContent = `● ${votes}`;
      span.title = `#${rank} · ${this.count('count', votes)}`;
      const hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ` (${span.title})`;
      span.append(hidden);
      return span;
    }];
  }

  // place puts the mark want ([key, make]) on node, or takes its mark away for null.
  place(node, want) {
    const had = [...node.children].find((c) => c.classList.contains(MARK));
    if (!want) {
      had?.remove();
      return;
    }
    if (had?.dataset.key === want[0]) return;
    const mark = want[1]();
    mark.dataset.key = want[0];
    if (had) had.replaceWith(mark);
    else node.append(mark);
  }

  drawDialog() {
    const v = this.open();
    const current = this.dialog.querySelector('[data-vote-current]');
    current.hidden = !v;
    if (this.form) this.form.hidden = !!v;
    if (v) {
      const rules = [this.t.rulesEach.replace('{n}', String(v.per_person)), v.multiple ? this.t.rulesSeveral : this.t.rulesOne];
      const left = this.left(v);
      if (left) rules.push(this.t.ends.replace('{t}', left));
      let status = `${this.t[v.on === 'cards' ? 'openOnCards' : v.on === 'markers' ? 'openOnMarkers' : 'openOnBoth']}: ${rules.join(', ')}.`;
      if (this.canVote) status += ` ${this.count('left', Math.max(0, v.per_person - (this.ballot?.used ?? 0)))}.`;
      current.querySelector('[data-vote-status]').textContent = status;
      current.querySelector('[data-vote-how]').textContent = this.canVote ? this.t.how : '';
    }
    const box = this.dialog.querySelector('[data-vote-results]');
    box.replaceChildren();
    const closed = this.votes.filter((x) => !x.open).sort((a, b) => b.closed_at - a.closed_at);
    if (closed.length === 0) return;
    const h = document.createElement('h3');
    h.textContent = this.t.past;
    box.append(h);
    const when = new Intl.DateTimeFormat(this.t.lang || 'en', { dateStyle: 'medium', timeStyle: 'short' });
    for (const x of closed) {
      const section = document.createElement('section');
      section.className = 'vote-past';
      section.dataset.testid = 'vote-past';
      section.dataset.voteId = x.id;
      const head = document.createElement('p');
      head.className = 'vote-past-head';
      head.textContent = `${when.format(new Date(x.closed_at))} · ${this.count('voters', x.voters ?? 0)}`;
      section.append(head);
      if (!x.results?.length) {
        const p = document.createElement('p');
        p.textContent = this.t.noVotes;
        section.append(p);
      } else {
        const ol = document.createElement('ol');
        ol.dataset.testid = 'vote-ranking';
        for (const r of x.results) {
          const li = document.createElement('li');
          li.dataset.item = r.item;
          li.dataset.votes = String(r.votes);
          li.textContent = fill(this.t.resultOf, { n: this.count('count', r.votes), text: this.name(r.item) });
          ol.append(li);
        }
        section.append(ol);
      }
      if (this.moderator) {
        const actions = document.createElement('p');
        actions.className = 'dialog-actions';
        for (const [action, label] of [['reopen', this.t.reopen], ['discard', this.t.discard]]) {
          const b = document.createElement('button');
          b.type = 'button';
          b.dataset.voteAction = action;
          b.dataset.voteId = x.id;
          b.dataset.testid = `vote-${action}`;
          b.textContent = label;
          actions.append(b);
        }
        section.append(actions);
      }
      box.append(section);
    }
  }
}
