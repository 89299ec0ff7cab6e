// private.js — private mode on the page (docs/facilitation.md). From the LiveBoard's
// 'facilitation' events it shows everyone whether private mode is on, and gives the
// facilitator its switch, the reveal and the hide of the last reveal. From its 'drafts'
// events it draws this person's own private cards in their cells — nobody else's page
// receives them — with their text, and buttons to edit and delete them. While private mode
// is on, a participant's new card (the editor's) becomes a private card instead of an op.
// It owns the PrivateUI component (web/private.templ) and the private cards it draws.

/**
 * startPrivate makes the PrivateUI of the page work, if there is one.
 * @param {{article: HTMLElement, live: import('./live.js').LiveBoard}} o
 */
export function startPrivate({ article, live }) {
  const root = document.querySelector('[data-private]');
  if (!root) return null;
  return new Private(root, article, live);
}

class Private {
  constructor(root, article, live) {
    Object.assign(this, { root, article, live });
    this.t = root.dataset;
    this.plural = new Intl.PluralRules(this.t.lang || 'en');
    this.moderator = this.t.moderator === 'true';
    this.canEdit = this.t.canEdit === 'true';
    this.on = false;
    this.revealed = 0;
    this.seq = -1;
    this.drafts = live.drafts ?? [];
    this.pending = false;
    this.badge = root.querySelector('[data-private-badge]');
    this.announce = root.querySelector('[data-private-announce]');
    this.error = root.querySelector('[data-private-error]');
    this.toggle = root.querySelector('[data-private-toggle]');
    this.hideButton = root.querySelector('[data-private-action="hide"]');

    live.addEventListener('facilitation', (e) => this.onState(e.detail));
    live.addEventListener('drafts', (e) => {
      this.drafts = e.detail.drafts;
      this.pending = false;
      this.error.textContent = '';
      this.drawBadge();
      this.drawCards();
    });
    live.addEventListener('error', (e) => {
      if (!this.pending) return;
      this.pending = false;
      this.error.textContent = e.detail.message;
    });
    article.addEventListener('board:render', () => this.drawCards());
    if (live.facilitation) this.onState({ facilitation: live.facilitation });
    this.toggle?.addEventListener('click', () => this.act(this.on ? 'off' : 'on'));
    root.querySelector('[data-private-controls]')?.addEventListener('click', (e) => {
      const action = e.target.closest('[data-private-action]')?.dataset.privateAction;
      if (action) this.act(action);
    });
    article.addEventListener('click', (e) => this.onCardClick(e));
  }

  /** divert takes a participant's new card as a private card while private mode is on. */
  divert({ id, stage, lane, text }) {
    if (!this.on || this.moderator) return false;
    this.pending = true;
    // Drawn at once, as the editor draws a new card; the drafts frame confirms it.
    this.drafts = [...this.drafts, { id, stage, lane, text }];
    this.drawCards();
    this.live.draft({ action: 'add', id, stage, lane, text });
    return true;
  }

  act(action) {
    this.pending = true;
    this.error.textContent = '';
    this.live.facilitate({ private: action });
  }

  onState({ facilitation }) {
    if (!facilitation || facilitation.seq < this.seq) return;
    this.seq = facilitation.seq;
    const wasOn = this.on;
    const wasRevealed = this.revealed;
    this.on = !!facilitation.private;
    this.revealed = facilitation.revealed ?? 0;
    this.pending = false;
    if (this.on && !wasOn && !this.moderator) this.announce.textContent = this.t.announceOn;
    if (this.revealed && this.revealed !== wasRevealed) this.announce.textContent = this.t.announceRevealed;
    if (!this.revealed && wasRevealed && this.on) this.announce.textContent = this.t.announceHidden;
    if (this.toggle) this.toggle.setAttribute('aria-pressed', String(this.on));
    if (this.hideButton) this.hideButton.hidden = !this.revealed;
    this.root.hidden = !this.moderator && !this.on && this.drafts.length === 0;
    this.drawBadge();
    this.drawCards();
  }

  drawBadge() {
    let text = '';
    if (this.on) text = this.moderator ? this.t.onFacilitator : this.canEdit ? this.t.onParticipant : this.t.onViewer;
    const n = this.drafts.length;
    if (n > 0 && !this.moderator) {
      const form = this.plural.select(n) === 'one' ? this.t.mineOne : this.t.mineOther;
      text = text ? `${text} · ${form.replace('{n}', String(n))}` : form.replace('{n}', String(n));
    }
    this.badge.textContent = text;
    this.badge.hidden = text === '';
    if (text) this.root.hidden = false;
  }

  // drawCards puts this person's private cards at the end of their cells, and takes away
  // those no longer private; one being edited is left as it is.
  drawCards() {
    const want = new Map(this.drafts.map((d) => [d.id, d]));
    for (const el of this.article.querySelectorAll('.private-card[data-draft-id]')) {
      const d = want.get(el.dataset.draftId);
      const cell = d && this.cell(d.stage, d.lane);
      if (!d || el.parentElement !== cell) el.remove();
    }
    for (const d of this.drafts) {
      const cell = this.cell(d.stage, d.lane);
      if (!cell) continue;
      let el = cell.querySelector(`.private-card[data-draft-id="${CSS.escape(d.id)}"]`);
      if (el?.querySelector('textarea')) continue;
      if (!el) {
        el = this.build(d);
        cell.append(el);
      } else if (el.nextElementSibling) {
        cell.append(el);
      }
      const text = el.querySelector('.card-text');
      if (text.textContent !== d.text) text.textContent = d.text;
    }
  }

  cell(stage, lane) {
    return this.article.querySelector(`td.cell[data-stage-id="${CSS.escape(stage)}"][data-lane-id="${CSS.escape(lane)}"]`);
  }

  build(d) {
    const el = document.createElement('div');
    el.className = 'private-card noprint';
    el.dataset.draftId = d.id;
    el.dataset.testid = 'private-card';
    el.tabIndex = -1;
    const label = document.createElement('p');
    label.className = 'private-label';
    label.textContent = this.t.label;
    const text = document.createElement('p');
    text.className = 'card-text user-text';
    const actions = document.createElement('p');
    actions.className = 'private-actions noprint';
    for (const [action, name] of [['edit', this.t.edit], ['delete', this.t.delete]]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.draftAction = action;
      b.dataset.testid = `private-${action}`;
      b.textContent = name;
      actions.append(b);
    }
    el.append(label, text, actions);
    return el;
  }

  onCardClick(e) {
    const b = e.target.closest('[data-draft-action]');
    const el = b?.closest('.private-card');
    if (!el) return;
    e.preventDefault();
    e.stopPropagation();
    const id = el.dataset.draftId;
    const action = b.dataset.draftAction;
    if (action === 'delete') {
      this.pending = true;
      this.live.draft({ action: 'delete', id });
    } else if (action === 'edit') {
      this.edit(el, id);
    } else if (action === 'save') {
      const text = el.querySelector('textarea').value;
      if (text.trim() === '') return;
      this.pending = true;
      this.live.draft({ action: 'edit', id, text });
      this.stopEditing(el, text);
    }
  }

  edit(el, id) {
    const text = el.querySelector('.card-text');
    const area = document.createElement('textarea');
    area.className = 'card-editor';
    area.maxLength = 4000;
    area.rows = 3;
    area.value = this.drafts.find((d) => d.id === id)?.text ?? text.textContent;
    area.setAttribute('aria-label', this.t.textLabel);
    area.dataset.testid = 'private-editor';
    text.hidden = true;
    text.after(area);
    const b = el.querySelector('[data-draft-action="edit"]');
    b.dataset.draftAction = 'save';
    b.textContent = this.t.save;
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        b.click();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.stopEditing(el, null);
      }
    });
    area.focus();
  }

  stopEditing(el, text) {
    el.querySelector('textarea')?.remove();
    const p = el.querySelector('.card-text');
    p.hidden = false;
    if (text !== null) p.textContent = text;
    const b = el.querySelector('[data-draft-action="save"]');
    if (b) {
      b.dataset.draftAction = 'edit';
      b.textContent = this.t.edit;
    }
    // The focus goes to the card, not to its Edit button: the Enter that saved would
    // press the button (its keypress comes after) and open the editor again.
    el.focus();
  }
}
