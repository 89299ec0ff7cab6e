// structure.js — edits the structure of a live board in place, for those who may edit:
// stages and lanes (add, rename, change a lane's role, reorder by Alt+arrow or drag,
// delete after confirming), the optional lanes switched on and off, the teams (add,
// rename, recolour, delete) and the owning team and kind of a card ("t" and "k" on a
// focused card, or its ▾ button, whose menu also sets the card's evidence level,
// milestone and manual step, and opens the card's detail and times, details.js). Every change is an op made through the Editor
// (editor.js), so that undo takes it back, cascades included. Texts and the markup it
// copies come from the StructureUI element the server renders in the page's language.

import { compareStrings, fill, isolate, keyBetween, newID } from './live-core.js';
import { focusLeftAlone } from './dialog.js';
import { swallowKey } from './editor.js';

/**
 * startStructure makes the stages, lanes and teams of article's board editable.
 * @param {object} o
 * @param {HTMLElement} o.article the article.board
 * @param {import('./live.js').LiveBoard} o.live
 * @param {import('./editor.js').Editor} o.editor
 * @param {import('./details.js').Details|null} [o.details] the card's detail and times
 * @returns {Structure|null}
 */
export function startStructure({ article, live, editor, details = null }) {
  const ui = document.querySelector('[data-structure-ui]');
  if (!ui) return null;
  return new Structure(article, live, editor, ui, details);
}

// What differs between stages (columns) and lanes (rows).
const KINDS = {
  stage: { coll: 'stages', name: 'name', prefix: 's', header: 'th.stage', idAttr: 'stageId' },
  lane: { coll: 'lanes', name: 'label', prefix: 'l', header: 'tr.lane > th.lane-label', idAttr: 'laneId' },
};

export class Structure {
  constructor(article, live, editor, ui, details = null) {
    this.article = article;
    this.live = live;
    this.editor = editor;
    this.ui = ui;
    this.details = details;
    this.texts = ui.dataset;
    this.dialog = ui.querySelector('dialog[data-confirm]');
    this.answer = null; // answers the question of the dialog whose close event is still to come
    this.renaming = null; // {kind, id, box, input, select, name, role}
    this.current = { stage: '', lane: '' }; // the headers' roving tab stops
    this.dragged = null; // {kind, id}
    this.menu = null; // {card, popup}

    ui.hidden = false;
    article.dataset.structure = '';
    article.addEventListener('keydown', (e) => this.onKey(e));
    article.addEventListener('click', (e) => this.onClick(e));
    article.addEventListener('focusin', (e) => this.onFocus(e));
    article.addEventListener('dragstart', (e) => this.onDragStart(e));
    article.addEventListener('dragover', (e) => this.onDragOver(e));
    article.addEventListener('drop', (e) => this.onDrop(e));
    article.addEventListener('dragend', () => this.onDragEnd());
    article.addEventListener('board:render', (e) => this.onRender(e.detail));

    ui.querySelector('[data-add-stage]')?.addEventListener('click', () => this.add('stage', '', 1));
    ui.querySelector('[data-add-lane]')?.addEventListener('click', () => this.add('lane', '', 1));
    for (const b of ui.querySelectorAll('[data-panel-toggle]')) b.addEventListener('click', () => this.togglePanel(b));
    for (const b of ui.querySelectorAll('[data-panel-close]')) b.addEventListener('click', () => this.closePanel(b.closest('.structure-panel')));
    for (const p of ui.querySelectorAll('.structure-panel')) {
      p.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); this.closePanel(p); } });
    }
    ui.querySelector('[data-testid="lanes-panel"]')?.addEventListener('change', (e) => this.onRoleToggle(e.target));
    ui.querySelector('form[data-add-team]')?.addEventListener('submit', (e) => this.onAddTeam(e));
    const rows = ui.querySelector('[data-team-rows]');
    rows?.addEventListener('change', (e) => this.onTeamChange(e.target));
    rows?.addEventListener('click', (e) => { if (e.target.matches('[data-team-delete]')) this.removeTeam(e.target.closest('[data-team]').dataset.team); });
    rows?.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target.matches('[data-team-name]')) { e.preventDefault(); this.onTeamChange(e.target); } });
    this.prepare();
    this.syncPanels();
  }

  // --- the headers ---------------------------------------------------------------------

  headers(kind) { return [...this.article.querySelectorAll(KINDS[kind].header)]; }

  header(kind, id) {
    return this.headers(kind).find((h) => this.idOf(kind, h) === id) ?? null;
  }

  idOf(kind, h) {
    return kind === 'stage' ? h.dataset.stageId : h.closest('tr.lane')?.dataset.laneId;
  }

  kindOf(el) {
    if (el?.matches?.(KINDS.stage.header)) return 'stage';
    if (el?.matches?.(KINDS.lane.header)) return 'lane';
    return '';
  }

  // prepare makes the headers focusable (one tab stop for the stages, one for the lanes),
  // draggable and described; it runs when the editor starts and when stages or lanes
  // were drawn again.
  prepare() {
    const grid = this.article.querySelector('table.blueprint');
    const shortcuts = grid?.getAttribute('aria-keyshortcuts') ?? '';
    if (grid && !/(^| )T K$/.test(shortcuts)) grid.setAttribute('aria-keyshortcuts', `${shortcuts} T K`.trim());
    for (const kind of ['stage', 'lane']) {
      const hs = this.headers(kind);
      const stop = hs.find((h) => this.idOf(kind, h) === this.current[kind]) ?? hs[0];
      for (const h of hs) {
        h.tabIndex = h === stop ? 0 : -1;
        h.draggable = !this.renaming;
        h.setAttribute('aria-keyshortcuts', kind === 'stage' ? 'Enter F2 Alt+ArrowLeft Alt+ArrowRight Delete N Shift+N' : 'Enter F2 Alt+ArrowUp Alt+ArrowDown Delete N Shift+N');
        h.setAttribute('aria-description', kind === 'stage' ? this.texts.stageHeader ?? '' : this.texts.laneHeader ?? '');
      }
    }
  }

  setCurrent(kind, h) {
    for (const o of this.headers(kind)) o.tabIndex = o === h ? 0 : -1;
    this.current[kind] = this.idOf(kind, h);
  }

  focusHeader(kind, h) {
    if (!h) return;
    this.setCurrent(kind, h);
    h.focus();
  }

  onFocus(e) {
    const kind = this.kindOf(e.target);
    if (kind) this.setCurrent(kind, e.target);
  }

  onClick(e) {
    const menuButton = e.target.closest?.('button[data-card-menu]');
    if (menuButton) {
      const card = menuButton.closest('.card[data-card-id]');
      if (card) this.openMenu(card, 'team');
      return;
    }
    const h = e.target.closest?.('th.stage, th.lane-label');
    const kind = this.kindOf(h);
    if (!kind || this.renaming?.box && h.contains(this.renaming.box)) return;
    this.focusHeader(kind, h);
    this.rename(kind, h);
  }

  onKey(e) {
    const el = e.target;
    if (this.renaming && this.renaming.box.contains(el)) {
      this.onRenameKey(e);
      return;
    }
    if (e.ctrlKey || e.metaKey) return;
    const kind = this.kindOf(el);
    if (kind) {
      this.onHeaderKey(e, kind, el);
      return;
    }
    if (el.matches?.('td.cell > .card') && !e.altKey && (e.key === 't' || e.key === 'k')) {
      e.preventDefault();
      this.openMenu(el, e.key === 't' ? 'team' : 'kind');
      return;
    }
    // The editor moves between cells; from the first row or column, the arrow goes on
    // to the stage's or lane's header.
    if (el.matches?.('td.cell') && !e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowLeft')) {
      const row = el.parentElement;
      if (e.key === 'ArrowUp' && row === this.article.querySelector('tr.lane')) {
        e.preventDefault();
        this.focusHeader('stage', this.header('stage', el.dataset.stageId));
      } else if (e.key === 'ArrowLeft' && el === row.querySelector('td.cell')) {
        e.preventDefault();
        this.focusHeader('lane', row.querySelector('th.lane-label'));
      }
    }
  }

  onHeaderKey(e, kind, h) {
    const id = this.idOf(kind, h);
    const horizontal = kind === 'stage';
    const back = horizontal ? 'ArrowLeft' : 'ArrowUp';
    const fwd = horizontal ? 'ArrowRight' : 'ArrowDown';
    if (e.altKey && (e.key === back || e.key === fwd)) {
      e.preventDefault();
      this.move(kind, id, e.key === back ? -1 : 1);
      return;
    }
    if (e.altKey) return;
    const hs = this.headers(kind);
    const i = hs.indexOf(h);
    switch (e.key) {
      case back:
      case fwd:
        e.preventDefault();
        this.focusHeader(kind, hs[i + (e.key === back ? -1 : 1)]);
        break;
      case 'ArrowDown':
      case 'ArrowRight': {
        // Into the grid: the first cell of the stage's column or of the lane's row.
        e.preventDefault();
        const cell = kind === 'stage'
          ? this.article.querySelector(`td.cell[data-stage-id="${CSS.escape(id)}"]`)
          : h.parentElement.querySelector('td.cell');
        if (cell) this.editor.focus(cell);
        break;
      }
      case 'Enter':
      case 'F2':
        e.preventDefault();
        this.rename(kind, h);
        break;
      case 'Delete':
      case 'Backspace':
        e.preventDefault();
        this.remove(kind, id);
        break;
      case 'n':
      case 'N':
        e.preventDefault();
        this.add(kind, id, e.shiftKey ? -1 : 1, e.key);
        break;
      default:
    }
  }

  // --- state ---------------------------------------------------------------------------

  // sorted returns the stages or lanes of the board (pending edits included) in order,
  // or null before the LiveBoard holds the board.
  sorted(kind) {
    const view = this.live.view();
    if (!view) return null;
    return [...view[KINDS[kind].coll].values()].sort((a, b) => compareStrings(a.order, b.order) || compareStrings(a.id, b.id));
  }

  cardsOf(field, id) {
    const view = this.live.view();
    return view ? [...view.cards.values()].filter((c) => c[field] === id).length : 0;
  }

  // --- adding, renaming, moving, deleting ----------------------------------------------

  // add creates a stage or lane next to the one whose id is given (after it when dir is
  // 1, before it when -1; at the end without id), then opens its rename. key is the key
  // that asked for it, when one did: its character must not land in the name.
  add(kind, id, dir, key = '') {
    const all = this.sorted(kind);
    if (!all) return;
    const i = id ? all.findIndex((x) => x.id === id) : all.length - 1;
    let before = '';
    let after = '';
    if (i >= 0 && dir > 0) [before, after] = [all[i].order, all[i + 1]?.order ?? ''];
    if (i >= 0 && dir < 0) [before, after] = [all[i - 1]?.order ?? '', all[i].order];
    const order = between(before, after);
    if (!order) return;
    const created = newID(KINDS[kind].prefix);
    const fields = kind === 'stage'
      ? { name: this.texts.newStage ?? '', order }
      : { role: 'custom', label: this.texts.newLane ?? '', order };
    if (this.editor.apply({ op: 'create', type: kind, id: created, fields })) {
      // The renderer has drawn it already.
      const h = this.header(kind, created);
      if (h) {
        this.focusHeader(kind, h);
        this.rename(kind, h);
        if (key && this.renaming) swallowKey(this.renaming.input);
      }
    }
  }

  // rename opens the in-place editor of a header: the name of a stage; the label and
  // the role of a lane.
  rename(kind, h) {
    if (this.renaming || this.editor.editing) return;
    const id = this.idOf(kind, h);
    const state = this.live.view()?.[KINDS[kind].coll].get(id);
    if (!state) return;
    const name = state[KINDS[kind].name];
    const box = document.createElement('div');
    box.className = 'header-editor';
    const input = document.createElement('input');
    input.type = 'text';
    input.maxLength = 200;
    input.value = name;
    input.dataset.testid = `${kind}-name-input`;
    input.setAttribute('aria-label', kind === 'stage' ? this.texts.stageLabel ?? '' : this.texts.laneLabel ?? '');
    box.append(input);
    let select = null;
    if (kind === 'lane') {
      select = this.ui.querySelector('template[data-role-select]').content.firstElementChild.cloneNode(true);
      select.value = state.role;
      select.setAttribute('aria-label', this.texts.roleLabel ?? '');
      select.dataset.testid = 'lane-role-select';
      box.append(select);
    }
    // Leaving the editor saves, unless its stage or lane is gone: the renderer took the
    // header away, and onRender says so.
    box.addEventListener('focusout', (e) => {
      if (this.renaming?.box === box && !box.contains(e.relatedTarget) && !this.editor.renderer.moving && this.stillThere(this.renaming)) {
        this.commitRename(false);
      }
    });
    this.renaming = { kind, id, box, input, select, name, role: select?.value ?? '' };
    this.mount(h);
    input.focus();
    input.select();
  }

  // mount puts the open header editor into header h, beside the name it hides: the
  // renderer keeps drawing the name, which shows again when the editor closes.
  mount(h) {
    const r = this.renaming;
    h.draggable = false;
    h.classList.add('renaming');
    for (const span of h.querySelectorAll(':scope > span')) span.hidden = true;
    h.append(r.box);
  }

  onRenameKey(e) {
    e.stopPropagation();
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      this.commitRename(true);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.closeRename(true);
    }
  }

  commitRename(refocus) {
    const r = this.renaming;
    if (!r) return;
    const name = r.input.value.trim();
    const role = r.select?.value ?? '';
    this.closeRename(refocus);
    const fields = {};
    if (!name) this.editor.announce(this.texts.nameRequired, true);
    if (name && name !== r.name) fields[KINDS[r.kind].name] = name;
    if (r.kind === 'lane' && role && role !== r.role) fields.role = role;
    if (Object.keys(fields).length) this.editor.apply({ op: 'update', type: r.kind, id: r.id, fields });
  }

  // closeRename takes the header editor away and shows the header's name again, which
  // the renderer draws (renamed as soon as the rename is sent).
  closeRename(refocus) {
    const r = this.renaming;
    if (!r) return;
    this.renaming = null;
    const h = this.header(r.kind, r.id);
    const hadFocus = r.box.contains(document.activeElement);
    r.box.remove();
    if (h) {
      h.classList.remove('renaming');
      h.draggable = true;
      for (const span of h.querySelectorAll(':scope > span')) span.hidden = false;
      if (refocus || hadFocus) this.focusHeader(r.kind, h);
    }
  }

  // move moves a stage one place left (dir -1) or right (1), or a lane up or down, past
  // its visible neighbour.
  move(kind, id, dir) {
    const all = this.sorted(kind);
    if (!all) return;
    const visible = all.filter((x) => !x.hidden);
    const target = visible[visible.findIndex((x) => x.id === id) + dir];
    if (!target) return;
    this.place(kind, id, target.id, dir > 0);
  }

  // place moves a stage or lane just before, or just after, another.
  place(kind, id, targetID, afterTarget) {
    const others = (this.sorted(kind) ?? []).filter((x) => x.id !== id);
    const ti = others.findIndex((x) => x.id === targetID);
    if (ti < 0) return;
    const [before, after] = afterTarget
      ? [others[ti].order, others[ti + 1]?.order ?? '']
      : [others[ti - 1]?.order ?? '', others[ti].order];
    const order = between(before, after);
    if (!order) return;
    if (this.editor.apply({ op: 'update', type: kind, id, fields: { order } })) this.current[kind] = id;
  }

  // remove deletes a stage or lane, with its cards, once the person confirms.
  async remove(kind, id) {
    await this.settle();
    const state = this.live.view()?.[KINDS[kind].coll].get(id);
    if (!state) return;
    const ok = await this.confirm(kind, state[KINDS[kind].name], this.cardsOf(kind, id));
    const hs = this.headers(kind);
    const i = hs.findIndex((h) => this.idOf(kind, h) === id);
    const next = hs[i + 1] ?? hs[i - 1];
    // The answer comes with the dialog's close event: a key pressed meanwhile (Shift+N on
    // the header, which opens a new stage's name) keeps the focus it took.
    const free = focusLeftAlone(this.dialog, hs[i]);
    if (!ok) {
      if (free) this.focusHeader(kind, this.header(kind, id));
      return;
    }
    if (this.editor.apply({ op: 'delete', type: kind, id })) {
      this.editor.announce(kind === 'stage' ? this.texts.stageDeleted : this.texts.laneDeleted);
      if (next && free) {
        this.current[kind] = this.idOf(kind, next);
        next.focus();
      }
    }
  }

  // settle answers the question whose close event is still to come, with the answer the
  // dialog still holds, and lets what asked it finish (a stage deleted, say), before
  // another question is asked: a dialog's close event comes in a task of its own, and a
  // question asked again at once comes before it.
  async settle() {
    if (!this.answer) return;
    this.answer();
    await null;
  }

  // confirm asks, in the dialog, whether to delete what is named, saying how many cards
  // go with it (or lose their team, for a team). It resolves to true for yes. Those who
  // ask settle first.
  confirm(what, name, count) {
    const form = count === 0 ? 'none' : new Intl.PluralRules(document.documentElement.lang || 'en').select(count) === 'one' ? 'one' : 'other';
    const text = fill(this.texts[`confirm${cap(what)}${cap(form)}`] ?? '', { name, count });
    const d = this.dialog;
    const back = document.activeElement;
    d.querySelector('[data-confirm-text]').textContent = text;
    d.returnValue = '';
    return new Promise((resolve) => {
      const onClose = () => {
        if (d.open) return; // the late close event of a question settled before this one
        d.removeEventListener('close', onClose);
        this.answer = null;
        if (back?.isConnected && focusLeftAlone(d, back)) back.focus();
        resolve(d.returnValue === 'ok');
      };
      this.answer = onClose;
      d.addEventListener('close', onClose);
      d.showModal();
      d.querySelector('[data-testid="confirm-cancel"]')?.focus();
    });
  }

  // --- drag and drop of headers --------------------------------------------------------

  onDragStart(e) {
    const h = e.target.closest?.('th.stage, th.lane-label');
    const kind = this.kindOf(h);
    if (!kind) return;
    if (this.renaming) {
      e.preventDefault();
      return;
    }
    this.dragged = { kind, id: this.idOf(kind, h) };
    h.classList.add('dragging');
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', this.live.view()?.[KINDS[kind].coll].get(this.dragged.id)?.[KINDS[kind].name] ?? '');
  }

  dropTarget(e) {
    if (!this.dragged) return null;
    const h = e.target.closest?.(KINDS[this.dragged.kind].header);
    if (!h || this.idOf(this.dragged.kind, h) === this.dragged.id) return null;
    return h;
  }

  // afterMiddle says whether the pointer is past the middle of h, across the headers.
  afterMiddle(e, h) {
    const r = h.getBoundingClientRect();
    return this.dragged.kind === 'stage' ? e.clientX > r.left + r.width / 2 : e.clientY > r.top + r.height / 2;
  }

  onDragOver(e) {
    const h = this.dropTarget(e);
    if (!h) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    for (const o of this.article.querySelectorAll('.drop-before, .drop-after')) o.classList.remove('drop-before', 'drop-after');
    h.classList.add(this.afterMiddle(e, h) ? 'drop-after' : 'drop-before');
  }

  onDrop(e) {
    const h = this.dropTarget(e);
    if (!h) return;
    e.preventDefault();
    const { kind, id } = this.dragged;
    this.place(kind, id, this.idOf(kind, h), this.afterMiddle(e, h));
    this.onDragEnd();
  }

  onDragEnd() {
    for (const o of this.article.querySelectorAll('.drop-before, .drop-after, th.dragging')) o.classList.remove('drop-before', 'drop-after', 'dragging');
    this.dragged = null;
  }

  // --- drawing ---------------------------------------------------------------------------

  // stillThere reports whether the stage or lane of the rename r is still shown.
  stillThere(r) {
    const view = this.live.view();
    const x = view?.[KINDS[r.kind].coll].get(r.id);
    return !view || (!!x && !x.hidden);
  }

  // onRender keeps the structure editor in step with what the renderer drew: new headers
  // are made focusable; a header being renamed whose stage or lane is gone (deleted, or a
  // lane hidden, by someone else) closes its editor and says so; the card menu of a card
  // gone closes; the panels show the lanes and teams as they are.
  onRender(ch) {
    if (ch.stage.size || ch.lane.size) this.prepare();
    const r = this.renaming;
    if (r && (!this.stillThere(r) || !this.header(r.kind, r.id))) {
      this.renaming = null;
      r.box.remove();
      const name = this.live.replica.origins.deleted(r.kind, r.id) ?? this.texts.someone ?? '';
      const text = r.kind === 'stage' ? this.texts.renamingStageDeleted : this.texts.renamingLaneDeleted;
      this.editor.announce(fill(text ?? '', { name }), true);
    }
    if (this.menu && !this.menu.card.isConnected) {
      const id = this.menu.card.dataset.cardId;
      this.closeMenu(false);
      const name = this.live.replica.origins.deleted('card', id) ?? this.texts.someone ?? '';
      this.editor.announce(fill(this.texts.menuCardDeleted ?? '', { name }), true);
    }
    if (ch.lane.size || ch.team.size) this.syncPanels();
  }

  // --- panels --------------------------------------------------------------------------

  togglePanel(button) {
    const panel = this.ui.querySelector(`#${CSS.escape(button.getAttribute('aria-controls'))}`);
    if (!panel) return;
    if (panel.hidden) {
      for (const p of this.ui.querySelectorAll('.structure-panel')) if (p !== panel) this.closePanel(p, false);
      panel.hidden = false;
      button.setAttribute('aria-expanded', 'true');
      this.syncPanels();
      panel.querySelector('input, button')?.focus();
    } else {
      this.closePanel(panel);
    }
  }

  closePanel(panel, refocus = true) {
    if (!panel || panel.hidden) return;
    panel.hidden = true;
    const button = this.ui.querySelector(`[aria-controls="${CSS.escape(panel.id)}"]`);
    button?.setAttribute('aria-expanded', 'false');
    if (refocus) button?.focus();
  }

  // syncPanels shows the board's state in the open panels: which optional lanes are
  // shown, and the teams.
  syncPanels() {
    if (this.syncing) return;
    this.syncing = true;
    requestAnimationFrame(() => {
      this.syncing = false;
      const view = this.live.view();
      if (!view) return;
      const lanes = [...view.lanes.values()];
      for (const box of this.ui.querySelectorAll('input[data-optional-role]')) {
        box.checked = lanes.some((l) => l.role === box.dataset.optionalRole && !l.hidden);
      }
      this.syncTeams(view);
    });
  }

  syncTeams(view) {
    const list = this.ui.querySelector('[data-team-rows]');
    if (!list) return;
    const teams = [...view.teams.values()].sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.id, b.id));
    const rows = new Map([...list.children].map((li) => [li.dataset.team, li]));
    const tpl = this.ui.querySelector('template[data-team-row]');
    let prev = null;
    for (const t of teams) {
      let li = rows.get(t.id);
      rows.delete(t.id);
      if (!li) {
        li = tpl.content.firstElementChild.cloneNode(true);
        li.dataset.team = t.id;
      }
      const name = li.querySelector('[data-team-name]');
      const color = li.querySelector('[data-team-color]');
      if (document.activeElement !== name) name.value = t.name;
      if (document.activeElement !== color) color.value = t.color;
      // The team's name is what someone typed: isolated, it cannot reorder the label.
      const who = isolate(t.name);
      name.setAttribute('aria-label', `${this.texts.teamNameOf ?? ''}: ${who}`);
      color.setAttribute('aria-label', `${this.texts.teamColorOf ?? ''}: ${who}`);
      li.querySelector('[data-team-delete]').setAttribute('aria-label', `${this.texts.deleteTeam ?? ''}: ${who}`);
      const at = prev ? prev.nextElementSibling : list.firstElementChild;
      if (at !== li) list.insertBefore(li, at);
      prev = li;
    }
    for (const li of rows.values()) li.remove();
    const none = this.ui.querySelector('[data-no-teams]');
    if (none) none.hidden = teams.length > 0;
  }

  // onRoleToggle shows or hides the lanes of an optional role; switching on a role the
  // board has no lane for adds one, named in the page's language, at the bottom.
  onRoleToggle(box) {
    if (!box.matches('input[data-optional-role]')) return;
    const all = this.sorted('lane');
    if (!all) return;
    const role = box.dataset.optionalRole;
    const ofRole = all.filter((l) => l.role === role);
    let ops;
    if (box.checked && ofRole.length === 0) {
      const order = between(all.at(-1)?.order ?? '', '');
      if (!order) return;
      ops = [{ op: 'create', type: 'lane', id: newID('l'), fields: { role, label: box.dataset.label ?? role, order } }];
    } else {
      ops = ofRole.filter((l) => l.hidden === box.checked).map((l) => ({ op: 'update', type: 'lane', id: l.id, fields: { hidden: !box.checked } }));
    }
    if (ops.length) this.editor.applyAll(ops);
  }

  onAddTeam(e) {
    e.preventDefault();
    const form = e.target;
    const name = form.elements.name.value.trim();
    if (!name) {
      form.elements.name.focus();
      return;
    }
    const color = form.elements.color.value;
    if (this.editor.apply({ op: 'create', type: 'team', id: newID('t'), fields: { name, color } })) {
      form.elements.name.value = '';
      form.elements.name.focus();
    }
  }

  onTeamChange(el) {
    const id = el.closest?.('[data-team]')?.dataset.team;
    const team = id && this.live.view()?.teams.get(id);
    if (!team) return;
    if (el.matches('[data-team-name]')) {
      const name = el.value.trim();
      if (!name) {
        el.value = team.name; // a team keeps a name
        this.editor.announce(this.texts.nameRequired, true);
      } else if (name !== team.name) {
        this.editor.apply({ op: 'update', type: 'team', id, fields: { name } });
      }
    } else if (el.matches('[data-team-color]') && el.value !== team.color) {
      this.editor.apply({ op: 'update', type: 'team', id, fields: { color: el.value } });
    }
  }

  async removeTeam(id) {
    await this.settle();
    const team = this.live.view()?.teams.get(id);
    if (!team) return;
    const opener = document.activeElement;
    if (!(await this.confirm('team', team.name, this.cardsOf('team', id)))) return;
    if (this.editor.apply({ op: 'delete', type: 'team', id })) {
      this.editor.announce(this.texts.teamDeleted);
      // The team's row, and its Delete button, are gone: the focus goes to the form that
      // adds one, unless a key or click moved it on before the answer came.
      if (focusLeftAlone(this.dialog, opener)) this.ui.querySelector('form[data-add-team] input[name="name"]')?.focus();
    }
  }

  // --- the card's team and kind --------------------------------------------------------

  // openMenu shows, under a card, the lists of teams and of kinds, with the focus on one,
  // and the entry that opens the card's detail and times.
  openMenu(card, which) {
    this.closeMenu(false);
    const id = card.dataset.cardId;
    const view = this.live.view();
    const state = view?.cards.get(id);
    if (!state) return;
    const popup = document.createElement('div');
    popup.className = 'card-popup';
    popup.dataset.testid = 'card-popup';
    const teams = [{ value: '', text: this.texts.noTeam ?? '' },
      ...[...view.teams.values()].sort((a, b) => compareStrings(a.name, b.name)).map((t) => ({ value: t.id, text: t.name, team: t.id }))];
    const options = (name) => [...(this.ui.querySelector(`template[data-${name}-options]`)?.content.children ?? [])]
      .map((li) => ({ value: li.dataset.value, text: li.textContent }));
    const lists = {
      team: this.listbox('team', this.texts.cardTeam ?? '', teams, state.team ?? ''),
      kind: this.listbox('kind', this.texts.cardKind ?? '', options('kind'), state.kind || 'note'),
    };
    // The facts of the last-mile analysis (docs/analysis.md): how the team knows the card,
    // whether the journey's first contact or value moment is here, a manual step.
    const evidence = options('evidence');
    const milestones = options('milestone');
    if (evidence.length) lists.evidence = this.listbox('evidence', this.texts.cardEvidence ?? '', evidence, state.evidence ?? '');
    if (milestones.length) lists.milestone = this.listbox('milestone', this.texts.cardMilestone ?? '', milestones, state.milestone ?? '');
    popup.append(...Object.values(lists).map((l) => l.box));
    if (this.texts.cardManual) popup.append(this.manualSwitch(!!state.manual));
    if (this.details) popup.append(this.details.menuItem(card, () => this.closeMenu(false)));
    // Escape on the entry closes the menu as it does on the lists (which handle their keys).
    popup.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      this.closeMenu(true);
    });
    popup.addEventListener('focusout', (e) => { if (this.menu?.popup === popup && !popup.contains(e.relatedTarget)) this.closeMenu(false); });
    // In the page's body, placed in the page's coordinates (an ancestor that is
    // positioned, such as the sticky tool bar, would move it).
    document.body.append(popup);
    const r = card.getBoundingClientRect();
    // Under what shows of the card: a card taller than the grid's window (a long text)
    // ends out of sight, and a popup there would be far down the page. It stays inside
    // the window: above the card when there is no room under it, and left of the window's
    // right edge.
    const bottom = Math.min(r.bottom, card.closest('.board-scroll')?.getBoundingClientRect().bottom ?? r.bottom);
    const size = popup.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    let top = bottom + 4;
    if (top + size.height > vh - 4) top = Math.max(4, Math.min(r.top, vh) - size.height - 4);
    const left = Math.max(4, Math.min(r.left, vw - size.width - 4));
    popup.style.left = `${left + window.scrollX}px`;
    popup.style.top = `${top + window.scrollY}px`;
    this.menu = { card, popup };
    lists[which].list.focus();
  }

  // listbox makes one list of choices: arrows move, Enter or Space (or a click) choose.
  listbox(field, label, options, value) {
    const box = document.createElement('div');
    box.className = 'card-popup-list';
    const title = document.createElement('p');
    title.className = 'card-popup-title';
    title.id = `card-popup-${field}`;
    title.textContent = label;
    const list = document.createElement('ul');
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-labelledby', title.id);
    list.tabIndex = 0;
    list.dataset.testid = `card-${field}-list`;
    let active = Math.max(0, options.findIndex((o) => o.value === value));
    const items = options.map((o, i) => {
      const li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.id = `card-popup-${field}-${i}`;
      li.dataset.value = o.value;
      li.setAttribute('aria-selected', String(o.value === value));
      if (o.team) {
        li.dataset.team = o.team; // the team's colour, from the page's team styles
        li.className = 'team-chip';
      }
      li.append(o.text);
      li.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the list
      li.addEventListener('click', () => this.choose(field, o.value));
      return li;
    });
    list.append(...items);
    const show = () => {
      items.forEach((li, i) => li.classList.toggle('active', i === active));
      list.setAttribute('aria-activedescendant', items[active].id);
      items[active].scrollIntoView({ block: 'nearest' });
    };
    show();
    list.addEventListener('keydown', (e) => {
      e.stopPropagation();
      const moves = { ArrowDown: active + 1, ArrowUp: active - 1, Home: 0, End: items.length - 1 };
      if (e.key in moves) {
        e.preventDefault();
        active = Math.min(items.length - 1, Math.max(0, moves[e.key]));
        show();
      } else if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.choose(field, items[active].dataset.value);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.closeMenu(true);
      } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        // To the list before or after, round.
        e.preventDefault();
        const all = [...(this.menu?.popup.querySelectorAll('[role="listbox"]') ?? [])];
        const i = all.indexOf(list);
        all[(i + (e.key === 'ArrowRight' ? 1 : all.length - 1)) % all.length]?.focus();
      }
    });
    box.append(title, list);
    return { box, list };
  }

  // manualSwitch is the menu's switch of a manual or paper step: a toggle button, which
  // Enter, Space or a click turns on or off, as one op.
  manualSwitch(on) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'card-popup-action card-popup-switch';
    b.dataset.testid = 'card-manual';
    b.setAttribute('aria-pressed', String(on));
    b.textContent = this.texts.cardManual ?? '';
    b.addEventListener('mousedown', (e) => e.preventDefault());
    b.addEventListener('click', () => this.choose('manual', !on));
    return b;
  }

  choose(field, value) {
    const card = this.menu?.card;
    if (!card) return;
    const id = card.dataset.cardId;
    const before = this.live.view()?.cards.get(id);
    this.closeMenu(true);
    const was = before?.[field] ?? (typeof value === 'boolean' ? false : '');
    if (before && was !== value) this.editor.apply({ op: 'update', type: 'card', id, fields: { [field]: value } });
  }

  closeMenu(refocus) {
    const m = this.menu;
    if (!m) return;
    this.menu = null;
    m.popup.remove();
    if (refocus) {
      const card = m.card.isConnected ? m.card : this.article.querySelector(`.card[data-card-id="${CSS.escape(m.card.dataset.cardId)}"]`);
      if (card) this.editor.focus(card);
    }
  }
}

// between returns an order key between a and b ('' for either end), or '' when there
// is none (keys too long).
function between(a, b) {
  try {
    return b && a >= b ? keyBetween(a, '') : keyBetween(a, b);
  } catch {
    return '';
  }
}

function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

