// render.js — draws the board of a live page from the page's store: the LiveBoard's view
// (live.js, live-core.js: the confirmed state and the pending ops). It owns the markup of
// the board under article.board: title and card count, the team legend and the team
// colours, the stage headers, the lane rows with the blueprint lines, the cells and their
// cards, the emotion curves and their summaries, the links table and the edit forms. The
// server renders it first (with the board's export beside it, at the same sequence);
// from then on each change of the view redraws only the entities it names, and the nodes
// around them stay, with whatever the page's other modules hang on them (focus, an open
// editor, selection marks, tab stops). Why, and how: docs/page.md.
//
// Markup is never written here. templ renders every part of the board into <template>
// elements (web/render.templ), from the same components as the server's render, around
// placeholder entities with every optional part present; an entity is drawn by cloning
// its template, filling in texts and attributes and taking away the parts it lacks. The
// browser test TestRenderMatchesServer checks that what this draws equals the server's
// render for random sequences of ops.
//
// The renderer keeps a copy of what it drew (the shadow: detached nodes mirroring the
// board's own) and applies to the page only the differences between that copy and a new
// drawing of the entities that changed. So an attribute or a node that another module
// adds to the board (a tabindex, an open textarea, a class) is never taken away, unless
// the entity it hangs on goes.
//
// After each drawing the article fires 'board:render', detail {all, board, stages, lanes,
// cards, teams, links}: the ids drawn again (Sets; all for a whole redraw, after a
// snapshot), for whatever marks or draws over the board.

import { bdiText, compareStrings, isolate, SEVERITIES } from './live-core.js';
import { annotationCounts, sameCount } from './annotations-core.js';

const byOrder = (a, b) => compareStrings(a.order, b.order) || compareStrings(a.id, b.id);
const byName = (a, b) => compareStrings(a.name, b.name) || compareStrings(a.id, b.id);
const TYPES = ['stage', 'lane', 'card', 'team', 'link'];

// Emotion curves are drawn in a 100×100 box per cell: x from the cell's left edge to its
// right edge, the stage's point in the middle; y from +2 at the top (TOP) to -2 at the
// bottom (BOTTOM). As web/links.go.
const BOX = 100;
const TOP = 10;
const BOTTOM = 90;

/**
 * startRenderer makes the board of article drawn from live's view, from now on.
 * @param {HTMLElement} article the article.board the server rendered
 * @param {import('./live.js').LiveBoard} live
 * @returns {Renderer|null} null when the page has no templates
 */
export function startRenderer(article, live) {
  const holder = document.querySelector('[data-board-templates]');
  const texts = readJSON('board-texts');
  if (!holder || !texts) return null;
  return new Renderer(article, live, holder, texts);
}

/** readJSON returns the data of a JSON script element of the page, or null. */
export function readJSON(id) {
  try {
    return JSON.parse(document.getElementById(id)?.textContent ?? 'null');
  } catch {
    return null;
  }
}

export class Renderer {
  constructor(article, live, holder, texts) {
    this.article = article;
    this.live = live;
    this.texts = texts;
    this.plural = new Intl.PluralRules(texts.lang || 'en');
    this.templates = new Map();
    for (const t of holder.querySelectorAll('template[data-template]')) this.templates.set(t.dataset.template, t.content);
    // The arrow of each link kind, as the link templates show it.
    this.arrows = {};
    for (const [name, kind] of [['link-owned', 'dependency'], ['link-unowned', 'handoff']]) {
      const td = this.templates.get(name)?.firstElementChild?.cells[1];
      this.arrows[kind] = td?.firstChild?.data.trim().split(' ')[0] ?? '';
    }

    // The comments and markers shown on each anchor (annotations-core.js), as drawn.
    this.annoCounts = annotationCounts(live.view());
    this.pageOf = new WeakMap(); // shadow node → the page's node
    this.shadow = article.cloneNode(true);
    this.bind(this.shadow, article);
    this.index();

    // The page's title is the board's, then the site's name (web/layout.templ).
    this.titleSuffix = '';
    const view = live.view();
    const title = document.querySelector('head > title')?.textContent ?? '';
    if (view && title.startsWith(view.title)) this.titleSuffix = title.slice(view.title.length);
    this.sheet = null;
    this.css = '';
    if (view) this.drawStyles(view);

    live.addEventListener('view', (e) => this.draw(e.detail.changes));
  }

  // --- what is drawn -------------------------------------------------------------------

  // index finds the parts of the drawn board in the shadow.
  index() {
    const s = this.shadow;
    this.header = s.querySelector(':scope > header');
    this.title = this.header?.querySelector('h1');
    this.count = this.header?.querySelector('[data-card-count]');
    this.table = s.querySelector('table[data-testid="grid"]');
    this.scroll = this.table.parentElement;
    this.headRow = this.table.tHead.rows[0];
    this.body = this.table.tBodies[0];
    this.legend = s.querySelector(':scope > [data-legend]');
    this.linksTable = s.querySelector('table[data-testid="links"]');
    this.links = this.linksTable?.closest('section') ?? null;
    this.forms = s.querySelector('[data-testid="add-stage-form"]')?.closest('section') ?? null;

    this.stages = new Map(); // id → th
    this.stageOrder = [];
    for (const th of this.headRow.querySelectorAll(':scope > th[data-stage-id]')) {
      this.stages.set(th.dataset.stageId, th);
      this.stageOrder.push(th.dataset.stageId);
    }
    this.rows = new Map(); // lane id → tr
    this.lines = new Map(); // line name → tr
    this.cells = new Map(); // stage id + ' ' + lane id → td
    this.cards = new Map(); // id → the card
    for (const tr of this.body.rows) {
      const lane = tr.dataset.laneId;
      if (!lane) {
        const name = [...tr.classList].find((c) => c.startsWith('line-'))?.slice(5);
        if (name) this.lines.set(name, tr);
        continue;
      }
      this.rows.set(lane, tr);
      for (const td of tr.cells) {
        if (td.dataset.stageId === undefined) continue;
        this.cells.set(cellKey(td.dataset.stageId, lane), td);
        for (const card of td.children) if (card.dataset.cardId) this.cards.set(card.dataset.cardId, card);
      }
    }
    this.summaries = new Map(); // lane id → section
    for (const sec of this.scroll.querySelectorAll(':scope > [data-testid="emotion-summary"]')) this.summaries.set(sec.dataset.laneId, sec);
    this.curves = new Set(this.summaries.keys()); // lanes whose rows show a curve
    this.teams = new Map(); // id → legend entry
    for (const li of this.legend?.querySelectorAll('li[data-team]') ?? []) this.teams.set(li.dataset.team, li);
    this.linkRows = new Map(); // id → row
    for (const tr of this.linksTable?.tBodies[0]?.rows ?? []) this.linkRows.set(tr.dataset.linkId, tr);
  }

  /** node returns the page's node of the card, stage header or lane row drawn for id. */
  node(type, id) {
    const s = { card: this.cards, stage: this.stages, lane: this.rows, link: this.linkRows, team: this.teams }[type]?.get(id);
    return s ? this.pageOf.get(s) : null;
  }

  // --- drawing -------------------------------------------------------------------------

  /**
   * draw redraws what changes names ({all, keys}, from Replica.takeChanges) from the view,
   * then fires 'board:render'. A change that comes while it draws (taking away a node that
   * holds the focus fires blur, whose handler may make an op) is drawn right after.
   */
  draw(changes) {
    if (this.drawing) {
      this.queued = { all: !!(this.queued?.all || changes.all), keys: new Set([...(this.queued?.keys ?? []), ...(changes.keys ?? [])]) };
      return;
    }
    this.drawing = true;
    try {
      this.drawNow(changes);
    } finally {
      this.drawing = false;
    }
    const next = this.queued;
    this.queued = null;
    if (next) this.draw(next);
  }

  drawNow(changes) {
    const view = this.live.view();
    if (!view) return; // forgotten until a snapshot comes: the board stays as it was
    const ch = this.expand(changes, view);
    const anno = ch.anno ? this.countAnno(view) : null;
    const dirty = { links: new Set(ch.link), curves: new Set(), summaries: false, forms: false, cards: ch.card.size > 0 };
    if (ch.board) this.drawTitle(view, dirty);
    if (ch.stage.size) this.drawStages(view, ch, dirty);
    if (ch.lane.size || dirty.rows) this.drawLanes(view, ch, dirty);
    if (ch.team.size) this.drawTeams(view, ch, dirty);
    if (ch.card.size) this.drawCards(view, ch, dirty);
    if (dirty.links.size) this.drawLinks(view, dirty.links, ch);
    for (const lane of dirty.curves) this.drawCurve(view, lane);
    if (dirty.summaries || dirty.curves.size) this.placeSummaries(view);
    if (dirty.cards && this.count) this.setText(this.count, this.countText('cards', view.cards.size));
    if (dirty.forms || ch.board) this.drawForms(view);
    if (anno) this.drawAnno(anno);
    this.setAttr(this.shadow, 'data-seq', String(view.seq));
    this.article.dispatchEvent(new CustomEvent('board:render', { detail: ch }));
  }

  // expand turns the changes into Sets of ids by type; a whole redraw names everything
  // drawn and everything in the view.
  expand(changes, view) {
    const ch = { all: !!changes.all, board: !!changes.all };
    for (const t of TYPES) ch[t] = new Set();
    for (const at of changes.keys ?? []) {
      const i = at.indexOf(':');
      const type = at.slice(0, i);
      if (type === 'board') ch.board = true;
      else if (type === 'comment' || type === 'marker') ch.anno = true;
      else ch[type]?.add(at.slice(i + 1));
    }
    if (ch.all) {
      ch.anno = true;
      const add = (set, keys) => { for (const k of keys) set.add(k); };
      add(ch.stage, this.stages.keys()); add(ch.stage, view.stages.keys());
      add(ch.lane, this.rows.keys()); add(ch.lane, view.lanes.keys());
      add(ch.card, this.cards.keys()); add(ch.card, view.cards.keys());
      add(ch.team, this.teams.keys()); add(ch.team, view.teams.keys());
      add(ch.link, this.linkRows.keys()); add(ch.link, view.links.keys());
    }
    return ch;
  }

  drawTitle(view, dirty) {
    if (this.title) this.setText(this.title, view.title);
    this.setAttr(this.table, 'aria-label', view.title);
    document.title = view.title + this.titleSuffix;
    dirty.forms = true;
  }

  // drawStages redraws the headers of the stages that changed and, when stages came,
  // went or moved, the columns: the header row and every lane's row.
  drawStages(view, ch, dirty) {
    for (const id of ch.stage) {
      const s = view.stages.get(id);
      const th = this.stages.get(id);
      if (s && th) this.patch(th, this.buildStage(s));
    }
    dirty.forms = true;
    for (const lane of this.curves) dirty.curves.add(lane); // the summaries name the stages
    const ids = [...view.stages.values()].sort(byOrder).map((s) => s.id);
    if (sameList(ids, this.stageOrder)) return;
    const keep = new Set(ids);
    for (const id of this.stageOrder) {
      if (keep.has(id)) continue;
      this.remove(this.stages.get(id));
      this.stages.delete(id);
      for (const lane of this.rows.keys()) this.removeCell(id, lane);
    }
    const headers = ids.map((id) => {
      if (!this.stages.has(id)) this.stages.set(id, this.buildStage(view.stages.get(id)));
      return this.stages.get(id);
    });
    this.arrange(this.headRow, headers, this.headRow.firstElementChild);
    for (const [lane, tr] of this.rows) this.arrange(tr, ids.map((id) => this.cellOf(id, lane)), tr.firstElementChild);
    if (ids.length !== this.stageOrder.length) dirty.rows = true; // the lines span every column
    this.stageOrder = ids;
    for (const lane of this.rows.keys()) if (view.lanes.get(lane)?.role === 'emotion') dirty.curves.add(lane);
  }

  // drawLanes redraws the rows of the lanes that changed and puts the rows and the lines
  // between them in order: the visible lanes by order, each line above the lane it
  // precedes (Board.Lines).
  drawLanes(view, ch, dirty) {
    const sorted = [...view.lanes.values()].sort(byOrder);
    const lines = linesOf(sorted);
    const visible = sorted.filter((l) => !l.hidden);
    const shown = new Set(visible.map((l) => l.id));
    for (const [id, tr] of [...this.rows]) {
      if (shown.has(id)) continue;
      this.removeRow(id, tr);
      dirty.curves.add(id);
    }
    for (const id of ch.lane) {
      const lane = view.lanes.get(id);
      const tr = this.rows.get(id);
      if (!lane || !tr) continue;
      const fresh = this.buildLane(lane);
      const wasEmotion = tr.dataset.role === 'emotion';
      this.patchAttrs(tr, fresh);
      this.patch(tr.firstElementChild, fresh.firstElementChild);
      if (wasEmotion !== (lane.role === 'emotion')) {
        for (const c of view.cards.values()) if (c.lane === id) ch.card.add(c.id); // their emotion buttons
      }
      dirty.curves.add(id);
    }
    const wanted = [];
    const names = new Set();
    for (const lane of visible) {
      const name = lines.get(lane.id);
      if (name) {
        names.add(name);
        const fresh = this.buildLine(name);
        const tr = this.lines.get(name);
        if (tr) this.patch(tr, fresh);
        else this.lines.set(name, fresh);
        wanted.push(this.lines.get(name));
      }
      if (!this.rows.has(lane.id)) {
        const tr = this.buildLane(lane);
        for (const stage of this.stageOrder) tr.append(this.buildCell(stage, lane.id));
        this.rows.set(lane.id, tr);
        for (const td of tr.cells) if (td.dataset.stageId !== undefined) this.cells.set(cellKey(td.dataset.stageId, lane.id), td);
        for (const c of view.cards.values()) if (c.lane === lane.id) ch.card.add(c.id);
        dirty.curves.add(lane.id);
      }
      wanted.push(this.rows.get(lane.id));
    }
    for (const [name, tr] of [...this.lines]) {
      if (names.has(name)) continue;
      this.remove(tr);
      this.lines.delete(name);
    }
    this.arrange(this.body, wanted, null);
    dirty.forms = true;
    dirty.summaries = true;
  }

  // drawTeams redraws the legend and the team colours, and marks for drawing again the
  // cards and links that show a team whose name changed, or that came or went: a colour
  // alone is the stylesheet's (drawStyles), and redrawing the ~50 cards of a team for it
  // cost more than the rest of the frame.
  drawTeams(view, ch, dirty) {
    this.drawStyles(view);
    const named = new Set(); // teams whose name, as the cards show it, changed
    for (const id of ch.team) {
      const shown = this.teams.get(id)?.querySelector('[data-team-filter]')?.textContent;
      if (shown === undefined || shown !== view.teams.get(id)?.name) named.add(id);
    }
    const teams = [...view.teams.values()].sort(byName);
    if (teams.length === 0) {
      if (this.legend) this.remove(this.legend);
      this.legend = null;
      this.teams.clear();
    } else {
      if (!this.legend) {
        this.legend = this.fromTemplate('legend');
        const list = this.legend.querySelector('ul');
        list.replaceChildren();
        this.insert(this.shadow, this.legend, this.header.nextSibling);
        for (const t of teams) ch.team.add(t.id);
      }
      for (const id of ch.team) {
        const t = view.teams.get(id);
        const li = this.teams.get(id);
        if (!t) {
          if (li) this.remove(li);
          this.teams.delete(id);
        } else if (li) {
          this.patch(li, this.buildTeam(t));
        } else {
          this.teams.set(id, this.buildTeam(t));
        }
      }
      this.arrange(this.legend.querySelector('ul'), teams.map((t) => this.teams.get(t.id)), null);
    }
    for (const c of view.cards.values()) if (named.has(c.team)) ch.card.add(c.id);
    for (const l of view.links.values()) if (named.has(l.owner)) dirty.links.add(l.id);
    dirty.forms = true;
  }

  // drawStyles gives each team's colour to what carries its id (web/helpers.go's
  // teamStyles): a constructed stylesheet, which the Content-Security-Policy allows where
  // it allows no style element without the page's nonce.
  drawStyles(view) {
    let css = '';
    for (const t of [...view.teams.values()].sort(byName)) {
      if (/^[A-Za-z0-9_-]{1,64}$/.test(t.id) && /^#[0-9a-fA-F]{6}$/.test(t.color)) css += `[data-team="${t.id}"]{--team:${t.color}}`;
    }
    if (css === this.css || !('adoptedStyleSheets' in document)) return;
    if (!this.sheet) {
      this.sheet = new CSSStyleSheet();
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
    }
    this.sheet.replaceSync(css);
    this.css = css;
  }

  // drawCards draws the cards that changed: where they are now, in order, or not at all.
  drawCards(view, ch, dirty) {
    for (const id of ch.card) {
      const c = view.cards.get(id);
      let card = this.cards.get(id);
      const was = card?.parentElement?.dataset.laneId;
      if (was !== undefined) dirty.curves.add(was);
      const cell = c && this.cells.get(cellKey(c.stage, c.lane));
      if (!cell) { // deleted, or in a hidden lane
        if (card) this.remove(card);
        this.cards.delete(id);
        continue;
      }
      const fresh = this.buildCard(c, view);
      if (card) this.patch(card, fresh);
      else this.cards.set(id, card = fresh);
      this.placeCard(card, cell, c, view);
      dirty.curves.add(c.lane);
    }
    for (const l of view.links.values()) if (ch.card.has(l.from) || ch.card.has(l.to)) dirty.links.add(l.id);
  }

  // placeCard puts card in cell before the first other card that sorts after it (by order
  // key, then id), as the server orders a cell.
  placeCard(card, cell, c, view) {
    let before = null;
    for (const el of cell.children) {
      const o = el !== card && el.dataset.cardId !== undefined ? view.cards.get(el.dataset.cardId) : null;
      if (o && byOrder(o, c) > 0) {
        before = el;
        break;
      }
    }
    // The cell's annotations come after its cards.
    before ??= [...cell.children].find((el) => el !== card && el.dataset.anno !== undefined) ?? null;
    this.insert(cell, card, before);
  }

  // drawLinks draws the rows of the links table that changed, in id order; the table
  // comes and goes with the links.
  drawLinks(view, ids, ch) {
    if (view.links.size === 0) {
      if (this.links) this.remove(this.links);
      this.links = this.linksTable = null;
      this.linkRows.clear();
      return;
    }
    if (!this.links) {
      this.links = this.fromTemplate('links');
      this.linksTable = this.links.querySelector('table[data-testid="links"]');
      this.linksTable.tBodies[0].replaceChildren();
      this.insert(this.shadow, this.links, this.scroll.nextSibling);
      ids = new Set(view.links.keys());
    }
    const body = this.linksTable.tBodies[0];
    for (const id of ids) {
      const l = view.links.get(id);
      let tr = this.linkRows.get(id);
      if (!l) {
        if (tr) this.remove(tr);
        this.linkRows.delete(id);
        continue;
      }
      const fresh = this.buildLink(l, view);
      if (tr) this.patch(tr, fresh);
      else this.linkRows.set(id, tr = fresh);
      let before = null;
      for (const row of body.rows) {
        if (row !== tr && compareStrings(row.dataset.linkId, id) > 0) {
          before = row;
          break;
        }
      }
      this.insert(body, tr, before);
      ch.link.add(id);
    }
  }

  // drawCurve draws the emotion curve of a lane across its row, and its summary; for a
  // lane that is not an emotion lane (any more), or not shown, it takes them away.
  drawCurve(view, laneID) {
    const lane = view.lanes.get(laneID);
    const tr = this.rows.get(laneID);
    const cells = this.stageOrder.map((stage) => this.cells.get(cellKey(stage, laneID)));
    if (!lane || !tr || lane.role !== 'emotion') {
      if (!this.curves.has(laneID)) return;
      for (const td of tr ? cells : []) {
        const svg = td.querySelector(':scope > svg');
        if (svg) this.remove(svg);
      }
      const sec = this.summaries.get(laneID);
      if (sec) this.remove(sec);
      this.summaries.delete(laneID);
      this.curves.delete(laneID);
      return;
    }
    this.curves.add(laneID);
    const curve = new EmotionCurve(cells.map((td, i) => {
      const cards = [...td.children].filter((el) => el.dataset.cardId !== undefined).map((el) => view.cards.get(el.dataset.cardId));
      return { stage: view.stages.get(this.stageOrder[i]), cards };
    }));
    cells.forEach((td, i) => {
      const svg = td.querySelector(':scope > svg');
      if (curve.points.length === 0) {
        if (svg) this.remove(svg);
        return;
      }
      const fresh = this.buildEmotionCell(curve, i);
      if (svg) this.patch(svg, fresh);
      else this.insert(td, fresh, td.firstChild);
    });
    const fresh = this.buildSummary(lane, curve);
    const sec = this.summaries.get(laneID);
    if (sec && !sec.querySelector('ul') === !fresh.querySelector('ul')) { // of the same shape
      this.patch(sec, fresh);
    } else {
      if (sec) this.remove(sec);
      this.summaries.set(laneID, fresh);
    }
  }

  // placeSummaries puts the summaries of the emotion curves after the grid, in the order
  // of their rows.
  placeSummaries() {
    const list = [];
    for (const tr of this.body.rows) {
      const sec = tr.dataset.laneId !== undefined && this.summaries.get(tr.dataset.laneId);
      if (sec) list.push(sec);
    }
    this.arrange(this.scroll, list, this.table);
  }

  // drawForms draws the edit forms again (their lists of stages, lanes and teams, the
  // title), keeping what someone chose or typed in them.
  drawForms(view) {
    if (!this.forms || !this.templates.has('edit-forms')) return;
    this.patch(this.forms, this.buildForms(view));
  }

  // --- comments and markers on the board ----------------------------------------------

  // countAnno counts the annotations of the view by anchor and returns the anchors whose
  // badges change; the entities drawn after it show the new counts.
  countAnno(view) {
    const counts = annotationCounts(view);
    const keys = new Set();
    for (const k of new Set([...counts.keys(), ...this.annoCounts.keys()])) {
      if (!sameCount(counts.get(k), this.annoCounts.get(k))) keys.add(k);
    }
    this.annoCounts = counts;
    return keys;
  }

  // drawAnno draws the badges of the anchors named (card:…, cell:…, link:…, stage:…)
  // that are on the board: made, changed or taken away, as the last child of their node.
  drawAnno(keys) {
    for (const k of keys) {
      const i = k.indexOf(':');
      const kind = k.slice(0, i);
      const id = k.slice(i + 1);
      let node = null;
      if (kind === 'card') node = this.cards.get(id);
      else if (kind === 'stage') node = this.stages.get(id);
      else if (kind === 'link') node = this.linkRows.get(id)?.cells[4];
      else if (kind === 'cell') node = this.cells.get(cellKey(...id.split('/')));
      if (!node) continue;
      const old = [...node.children].find((el) => el.dataset.anno !== undefined);
      const fresh = this.buildAnno(k);
      if (old && fresh) this.patch(old, fresh);
      else if (old) this.remove(old);
      else if (fresh) this.insert(node, fresh, null);
    }
  }

  // addAnno puts the badges of anchor key at the end of el, a new drawing.
  addAnno(el, key) {
    const a = this.buildAnno(key);
    if (a) el.append(a);
  }

  // buildAnno returns the badges of an anchor (web/annotations.templ AnnoBadges), or null
  // when it has no open comment or marker.
  buildAnno(key) {
    const n = this.annoCounts.get(key);
    const tpl = this.templates.get('anno');
    if (!n || !tpl || (n.comments === 0 && n.markers.every((x) => x === 0))) return null;
    const el = tpl.firstElementChild.cloneNode(true);
    const plural = (what, x) => (this.texts.anno?.[what]?.[this.plural.select(x)] ?? this.texts.anno?.[what]?.other ?? '{n}').replace('{n}', String(x));
    const label = (node, text) => {
      node.setAttribute('aria-label', text);
      node.setAttribute('title', text);
    };
    const comments = el.querySelector('.anno-comments');
    if (n.comments > 0) {
      comments.textContent = String(n.comments);
      label(comments, plural('comments', n.comments));
    } else {
      drop(comments);
    }
    const badges = [...el.querySelectorAll('.anno-marker')];
    // The template has one of each severity, the most severe first.
    for (const b of badges) {
      const sev = b.dataset.severity;
      const x = n.markers[SEVERITIES.indexOf(sev)];
      if (!x) {
        drop(b);
        continue;
      }
      b.textContent = String(x);
      label(b, (this.texts.anno?.markersOf ?? '{markers}, {severity}').replace('{markers}', () => plural('markers', x))
        .replace('{severity}', () => this.texts.anno?.severity?.[sev] ?? sev));
    }
    return el;
  }

  // --- building from the templates -----------------------------------------------------

  fromTemplate(name) {
    return this.templates.get(name).firstElementChild.cloneNode(true);
  }

  buildStage(s) {
    const th = this.fromTemplate('stage');
    th.id = `col-${s.id}`;
    th.dataset.stageId = s.id;
    th.firstElementChild.textContent = s.name;
    this.addAnno(th, `stage:${s.id}`);
    return th;
  }

  // buildLane returns a lane's row without its cells.
  buildLane(l) {
    const tr = this.fromTemplate('lane');
    tr.className = tr.className.replace(/\brole-\S+/, `role-${l.role}`);
    tr.dataset.laneId = l.id;
    tr.dataset.role = l.role;
    const th = tr.firstElementChild;
    th.id = `row-${l.id}`;
    const [name, role] = th.children;
    name.textContent = l.label;
    const roleText = this.texts.role[l.role] ?? `role.${l.role}`;
    if (roleText !== l.label) role.textContent = roleText;
    else drop(role);
    return tr;
  }

  buildCell(stage, lane) {
    const td = this.fromTemplate('cell');
    td.dataset.stageId = stage;
    td.dataset.laneId = lane;
    this.addAnno(td, `cell:${stage}/${lane}`);
    return td;
  }

  buildLine(name) {
    const tr = this.fromTemplate('line');
    tr.className = tr.className.replace(/\bline-\S+/, `line-${name}`);
    tr.dataset.testid = `line-${name}`;
    const td = tr.firstElementChild;
    td.colSpan = this.stageOrder.length + 1;
    td.firstElementChild.textContent = this.texts.line[name] ?? `line.${name}`;
    return tr;
  }

  /** buildCard returns the markup of card c ({id, stage, lane, order, text, ...}) in view. */
  buildCard(c, view) {
    const el = this.fromTemplate('card');
    const tplID = el.dataset.cardId;
    el.id = `card-${c.id}`;
    el.dataset.cardId = c.id;
    el.dataset.order = c.order;
    el.dataset.team = c.team ?? '';
    el.className = el.className.replace(/\bkind-\S+/, `kind-${c.kind || 'note'}`);
    const part = (sel) => el.querySelector(sel);
    part('.card-text').textContent = c.text ?? '';
    const team = c.team ? view.teams.get(c.team) : null;
    const teamEl = part('.card-meta > [data-team]');
    if (team) {
      teamEl.dataset.team = team.id;
      teamEl.textContent = team.name;
    } else {
      drop(teamEl);
    }
    part('.card-kind').textContent = this.texts.kind[c.kind || 'note'] ?? `kind.${c.kind}`;
    this.fillMarks(el, c);
    const emotion = part('.card-emotion');
    if (c.emotion) emotion.textContent = `${this.texts.card.emotion} ${c.emotion > 0 ? '+' : ''}${c.emotion}`;
    else drop(emotion);
    const [active, wait] = el.querySelectorAll('.card-time');
    if (c.active_minutes > 0 || c.active_minutes_max > 0) {
      active.textContent = `${this.texts.card.active} ${this.timeRange(c.active_minutes ?? 0, c.active_minutes_max ?? 0)}`;
    } else {
      drop(active);
    }
    if (c.wait_minutes > 0 || c.wait_minutes_max > 0) {
      wait.textContent = `${this.texts.card.wait} ${this.timeRange(c.wait_minutes ?? 0, c.wait_minutes_max ?? 0)}`;
    } else {
      drop(wait);
    }
    const buttons = part('[data-emotion-buttons]');
    if (buttons) {
      if (view.lanes.get(c.lane)?.role === 'emotion') {
        for (const b of buttons.querySelectorAll('[id]')) b.id = b.id.replace(tplID, c.id);
      } else {
        drop(buttons);
      }
    }
    const detail = part('.card-detail');
    if (c.detail) detail.textContent = c.detail;
    else drop(detail);
    for (const form of el.querySelectorAll('form[action]')) {
      form.setAttribute('action', form.getAttribute('action').replace(`/${tplID}/`, `/${c.id}/`));
    }
    this.addAnno(el, `card:${c.id}`);
    return el;
  }

  // fillMarks fills or takes away a card's marks (web/marks.templ CardMarks): its
  // milestone, an evidence level other than observed, and a manual step.
  fillMarks(el, c) {
    const milestone = el.querySelector('.card-milestone');
    if (c.milestone) {
      milestone.dataset.milestone = c.milestone;
      milestone.textContent = this.texts.milestone?.[c.milestone] ?? `milestone.${c.milestone}`;
    } else {
      drop(milestone);
    }
    const evidence = el.querySelector('.card-evidence');
    if (c.evidence === 'assumed' || c.evidence === 'to_verify') {
      evidence.dataset.evidence = c.evidence;
      evidence.textContent = this.texts.evidence?.[c.evidence] ?? `evidence.${c.evidence}`;
    } else {
      drop(evidence);
    }
    if (!c.manual) drop(el.querySelector('.card-manual'));
  }

  buildTeam(t) {
    const li = this.fromTemplate('team');
    li.dataset.team = t.id;
    const b = li.querySelector('[data-team-filter]');
    b.dataset.teamFilter = t.id;
    b.textContent = t.name;
    return li;
  }

  buildLink(l, view) {
    const owner = l.owner ? view.teams.get(l.owner) : null;
    const tr = this.fromTemplate(owner ? 'link-owned' : 'link-unowned');
    const tplKind = tr.dataset.kind;
    const tplStatus = tr.dataset.status;
    tr.className = tr.className.replace(/\blink-(handoff|dependency)\b/, `link-${l.kind}`);
    tr.classList.toggle('critical', !!l.critical);
    tr.id = `link-${l.id}`;
    Object.assign(tr.dataset, {
      linkId: l.id, from: l.from, to: l.to, kind: l.kind, status: l.status, critical: String(!!l.critical), owner: l.owner ?? '',
    });
    const [from, kind, to, status, who] = tr.cells;
    from.textContent = view.cards.get(l.from)?.text ?? l.from;
    to.textContent = view.cards.get(l.to)?.text ?? l.to;
    const words = kind.firstChild;
    words.data = words.data.replace(this.arrows[tplKind], () => this.arrows[l.kind] ?? '')
      .replace(this.texts.link[tplKind], () => this.texts.link[l.kind] ?? `link.${l.kind}`);
    const badge = kind.firstElementChild;
    if (badge && !l.critical) drop(badge);
    status.firstChild.data = status.firstChild.data.replace(this.texts.status[tplStatus], () => this.texts.status[l.status] ?? `status.${l.status}`);
    // What the teams agreed (web/marks.templ LinkAgreement): each part filled or taken away.
    const sentence = (el, values) => {
      for (const bdi of el.querySelectorAll('bdi')) bdi.textContent = values[bdi.textContent] !== undefined ? bdiText(values[bdi.textContent]) : bdi.textContent;
    };
    const risk = status.querySelector('.link-risk');
    if (l.risk?.by || l.risk?.reason || l.risk?.on) sentence(risk, { '{by}': l.risk.by, '{on}': l.risk.on, '{reason}': l.risk.reason });
    else drop(risk);
    for (const side of ['from', 'to']) {
      const ack = status.querySelector(`.link-ack[data-side="${side}"]`);
      const a = l[`ack_${side}`];
      if (a?.by || a?.on) sentence(ack, { '{by}': a.by, '{on}': a.on });
      else drop(ack);
    }
    if (owner) {
      const span = who.firstElementChild;
      span.dataset.team = owner.id;
      span.textContent = owner.name;
    }
    const holder = who.querySelector('.link-holder');
    if (l.holder) sentence(holder, { '{name}': l.holder });
    else drop(holder);
    this.addAnno(who, `link:${l.id}`);
    return tr;
  }

  buildEmotionCell(curve, i) {
    const svg = this.fromTemplate('emotion-cell');
    const line = svg.querySelector('.emotion-line');
    const point = svg.querySelector('.emotion-point');
    const d = curve.segment(i);
    if (d) line.setAttribute('d', d);
    else drop(line);
    const p = curve.point(i);
    if (p) {
      point.setAttribute('d', curve.dot(i));
      point.dataset.mean = num(p.mean);
    } else {
      drop(point);
    }
    return svg;
  }

  buildSummary(lane, curve) {
    const sec = this.fromTemplate(curve.points.length ? 'emotion-summary' : 'emotion-summary-empty');
    sec.setAttribute('aria-label', this.texts.curveOf.replace('{lane}', () => isolate(lane.label)));
    sec.dataset.laneId = lane.id;
    const list = sec.querySelector('ul');
    if (list) {
      list.replaceChildren();
      for (const p of curve.points) {
        const li = this.fromTemplate('emotion-point');
        li.dataset.stageId = p.stage.id;
        const values = { '{stage}': bdiText(p.stage.name), '{score}': this.score(p.mean), '{cards}': this.countText('cards', p.count) };
        for (const bdi of li.querySelectorAll('bdi')) bdi.textContent = values[bdi.textContent] ?? bdi.textContent;
        list.append(li);
      }
    }
    return sec;
  }

  buildForms(view) {
    const sec = this.fromTemplate('edit-forms');
    const stages = this.stageOrder.map((id) => view.stages.get(id));
    const lanes = [...view.lanes.values()].filter((l) => !l.hidden).sort(byOrder);
    const options = (select, list, from) => {
      const tpl = select.options[from];
      while (select.options.length > from) select.options[from].remove();
      for (const x of list) {
        const o = tpl.cloneNode(true);
        o.value = x.id;
        o.textContent = x.text;
        select.append(o);
      }
    };
    const card = sec.querySelector('[data-testid="add-card-form"]');
    if (stages.length && lanes.length) {
      options(card.querySelector('select[name="stage"]'), stages.map((s) => ({ id: s.id, text: s.name })), 0);
      options(card.querySelector('select[name="lane"]'), lanes.map((l) => ({ id: l.id, text: l.label })), 0);
      options(card.querySelector('select[name="team"]'), [...view.teams.values()].sort(byName).map((t) => ({ id: t.id, text: t.name })), 1);
    } else {
      drop(card);
    }
    sec.querySelector('[data-testid="rename-form"] input[name="title"]')?.setAttribute('value', view.title);
    return sec;
  }

  // --- texts ---------------------------------------------------------------------------

  // countText is the plural form of a count ('cards', 'minutes', 'hours' or 'days') for n.
  countText(what, n) {
    const forms = this.texts.plural[what];
    return (this.plural.select(n) === 'one' ? forms.one : forms.other).replace('{n}', String(n));
  }

  // minutes says a time as web/helpers.go's minutes: in days from a day, in hours when
  // whole, else in minutes.
  minutes(n) {
    if (n >= 60 * 24) return this.countText('days', Math.floor(n / (60 * 24)));
    if (n >= 60 && n % 60 === 0) return this.countText('hours', n / 60);
    return this.countText('minutes', n);
  }

  // timeRange says a card's time as web/marks.go's timeRange: one time, or a range when
  // the top is above the bottom.
  timeRange(low, high) {
    return high > low ? `${this.minutes(low)} – ${this.minutes(high)}` : this.minutes(low);
  }

  // score writes a mean score as web/links.go's scoreText: its sign, at most one decimal,
  // the language's decimal separator.
  score(f) {
    f = goRound(f * 10) / 10;
    let s = goFloat(Math.abs(f));
    if (this.texts.lang === 'fr') s = s.replaceAll('.', ',');
    if (f > 0) return `+${s}`;
    if (f < 0) return `-${s}`;
    return s;
  }

  // --- the shadow and the page ---------------------------------------------------------

  // bind records that page is the page's copy of shadow, node for node.
  bind(shadow, page) {
    this.pageOf.set(shadow, page);
    for (let a = shadow.firstChild, b = page.firstChild; a; a = a.nextSibling, b = b.nextSibling) this.bind(a, b);
  }

  // insert puts node (drawn already, or new) into parent before before (null: at the end),
  // in the shadow and in the page. In the page it goes right after the node that precedes
  // it in the shadow: other modules' nodes after that one (an open editor) stay after it.
  insert(parent, node, before) {
    if (node.parentNode === parent && node.nextSibling === before) return;
    parent.insertBefore(node, before);
    let page = this.pageOf.get(node);
    const fresh = !page;
    if (fresh) {
      page = node.cloneNode(true);
      this.bind(node, page);
    }
    const into = this.pageOf.get(parent);
    const prev = node.previousSibling;
    const next = node.nextSibling;
    const ref = prev ? this.pageOf.get(prev).nextSibling : next ? this.pageOf.get(next) : into.firstChild;
    if (ref === page) return;
    this.moving = true; // blur handlers can tell a move from a person leaving a field
    try {
      put(into, page, ref, fresh);
    } finally {
      this.moving = false;
    }
  }

  // arrange puts nodes, in this order, into parent after after (null: from the start),
  // moving only those out of place.
  arrange(parent, nodes, after) {
    let prev = after;
    for (const node of nodes) {
      let want = prev ? prev.nextSibling : parent.firstChild;
      while (want && want.nodeType !== Node.ELEMENT_NODE) want = want.nextSibling;
      if (node !== want) this.insert(parent, node, want);
      prev = node;
    }
  }

  remove(node) {
    this.pageOf.get(node)?.remove();
    node.remove();
  }

  removeCell(stage, lane) {
    const td = this.cells.get(cellKey(stage, lane));
    if (!td) return;
    for (const el of td.children) if (el.dataset.cardId !== undefined) this.cards.delete(el.dataset.cardId);
    this.remove(td);
    this.cells.delete(cellKey(stage, lane));
  }

  removeRow(lane, tr) {
    for (const stage of this.stageOrder) this.removeCell(stage, lane);
    this.remove(tr);
    this.rows.delete(lane);
  }

  cellOf(stage, lane) {
    const key = cellKey(stage, lane);
    if (!this.cells.has(key)) this.cells.set(key, this.buildCell(stage, lane));
    return this.cells.get(key);
  }

  setAttr(node, name, value) {
    if (node.getAttribute(name) === value) return;
    node.setAttribute(name, value);
    this.pageOf.get(node).setAttribute(name, value);
  }

  setText(node, text) {
    const fresh = node.cloneNode(false);
    fresh.textContent = text;
    this.patch(node, fresh);
  }

  // patchAttrs makes the attributes of node those of fresh, in the shadow and in the page,
  // touching only those that differ. Of the class, only the names that differ: others that
  // the page's modules set stay.
  patchAttrs(node, fresh) {
    const page = this.pageOf.get(node);
    for (const { name, value } of [...fresh.attributes]) {
      const old = node.getAttribute(name);
      if (old === value) continue;
      if (name === 'class') {
        const was = new Set(old?.split(/\s+/).filter(Boolean));
        const now = new Set(value.split(/\s+/).filter(Boolean));
        for (const c of was) if (!now.has(c)) page.classList.remove(c);
        for (const c of now) if (!was.has(c)) page.classList.add(c);
      } else {
        page.setAttribute(name, value);
      }
      node.setAttribute(name, value);
    }
    for (const { name } of [...node.attributes]) {
      if (fresh.hasAttribute(name)) continue;
      if (name === 'class') {
        for (const c of node.classList) page.classList.remove(c);
      } else {
        page.removeAttribute(name);
      }
      node.removeAttribute(name);
    }
  }

  // patch makes the drawn node (in the shadow) equal to fresh, a new drawing of the same
  // thing, and changes the page's node likewise: attributes that differ, texts that
  // differ, children matched by their identity (see keyOf) and patched in turn, those
  // gone taken away, new ones put in their place. The page's node stays the same node.
  patch(node, fresh) {
    this.patchAttrs(node, fresh);
    const pool = new Map();
    for (const child of [...node.childNodes]) {
      const k = keyOf(child);
      if (!pool.has(k)) pool.set(k, []);
      pool.get(k).push(child);
    }
    const result = [];
    for (const f of [...fresh.childNodes]) {
      const match = pool.get(keyOf(f))?.shift();
      if (!match) {
        result.push(f);
      } else if (match.nodeType === Node.ELEMENT_NODE) {
        this.patch(match, f);
        result.push(match);
      } else {
        if (match.data !== f.data) {
          match.data = f.data;
          this.pageOf.get(match).data = f.data;
        }
        result.push(match);
      }
    }
    for (const left of pool.values()) for (const n of left) this.remove(n);
    let prev = null;
    for (const n of result) {
      const want = prev ? prev.nextSibling : node.firstChild;
      if (n !== want) this.insert(node, n, want);
      prev = n;
    }
  }
}

// keyOf names what a node is among its siblings, so that a new drawing of a parent finds
// the same node again: the entity it draws, or its name, value or class.
function keyOf(n) {
  if (n.nodeType !== Node.ELEMENT_NODE) return `#${n.nodeType}`;
  const a = (name) => n.getAttribute(name);
  return `${n.localName}|${a('id') ?? a('data-card-id') ?? a('data-stage-id') ?? a('data-lane-id') ?? a('data-link-id')
    ?? a('data-team') ?? a('name') ?? a('value') ?? a('class') ?? ''}`;
}

// put puts the page's node into parent before ref. A node that moves keeps its focus and
// what is typed in it: moveBefore moves it in one step, where the browser has it; else the
// focus (and a text field's selection) is given back after the move, and the blur between
// comes while the renderer's moving is set.
function put(parent, node, ref, fresh) {
  if (!fresh && node.isConnected && parent.isConnected && typeof parent.moveBefore === 'function') {
    try {
      parent.moveBefore(node, ref);
      return;
    } catch {
      // not movable so: insert it
    }
  }
  const active = document.activeElement;
  const focused = !fresh && active && node.contains(active) ? active : null;
  const range = focused && 'selectionStart' in focused ? [focused.selectionStart, focused.selectionEnd] : null;
  parent.insertBefore(node, ref);
  if (focused?.isConnected) {
    focused.focus({ preventScroll: true });
    if (range) focused.setSelectionRange(...range);
  }
}

// drop takes an optional part out of a new drawing, with the space that follows it.
function drop(el) {
  const next = el.nextSibling;
  if (next?.nodeType === Node.TEXT_NODE && next.data.trim() === '') next.remove();
  el.remove();
}

function cellKey(stage, lane) { return `${stage} ${lane}`; }

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * linesOf returns the blueprint lines of lanes sorted by order, as Board.Lines: a map from
 * the id of the lane each line is drawn above to the line's name.
 */
export function linesOf(sorted) {
  const out = new Map();
  const seen = new Set();
  let customer = false;
  for (const l of sorted) {
    if (l.hidden) continue;
    let name = '';
    switch (l.role) {
      case 'physical_evidence':
      case 'customer_actions':
        customer = true;
        break;
      case 'frontstage':
        if (customer) name = 'interaction';
        break;
      case 'backstage':
        name = 'visibility';
        break;
      case 'support':
        name = 'internal_interaction';
        break;
      default:
    }
    if (name && !seen.has(name)) {
      seen.add(name);
      out.set(l.id, name);
    }
  }
  return out;
}

/**
 * EmotionCurve is the curve of an emotion lane across its cells ({stage, cards}, in
 * column order), as web/links.go's: one point per stage whose cell holds cards, at the
 * mean of their scores.
 */
export class EmotionCurve {
  constructor(cells) {
    this.points = [];
    cells.forEach((cell, index) => {
      if (cell.cards.length === 0) return;
      const sum = cell.cards.reduce((n, c) => n + (c?.emotion ?? 0), 0);
      this.points.push({ stage: cell.stage, index, mean: sum / cell.cards.length, count: cell.cards.length });
    });
  }

  // at returns the curve's score at x, in columns, or null where it does not pass.
  at(x) {
    const pts = this.points;
    if (pts.length === 0 || x < pts[0].index || x > pts[pts.length - 1].index) return null;
    for (let k = 0; k < pts.length; k++) {
      const p = pts[k];
      if (p.index === x) return p.mean;
      if (k > 0 && p.index > x) {
        const q = pts[k - 1];
        const t = (x - q.index) / (p.index - q.index);
        return q.mean + t * (p.mean - q.mean);
      }
    }
    return null;
  }

  point(i) {
    return this.points.find((p) => p.index === i) ?? null;
  }

  segment(i) {
    const pts = this.points;
    if (pts.length === 0) return '';
    const first = pts[0].index;
    const last = pts[pts.length - 1].index;
    const from = Math.max(i - 0.5, first);
    const to = Math.min(i + 0.5, last);
    if (from >= to) return '';
    const xs = [from];
    if (i > from && i < to) xs.push(i);
    xs.push(to);
    return xs.map((x, k) => `${k === 0 ? 'M' : ' L'}${num((x - i + 0.5) * BOX)} ${num(emotionY(this.at(x) ?? 0))}`).join('');
  }

  dot(i) {
    const p = this.point(i);
    return p ? `M${num(BOX / 2)} ${num(emotionY(p.mean))} h0` : '';
  }
}

function emotionY(score) {
  const mid = (TOP + BOTTOM) / 2;
  return mid - score * (BOTTOM - TOP) / 4;
}

// goRound rounds half away from zero, as Go's math.Round.
function goRound(x) {
  return Math.sign(x) * Math.round(Math.abs(x));
}

// goFloat writes a number as Go's strconv.FormatFloat(f, 'f', -1, 64) does for the
// numbers drawn here (no exponent at these sizes).
function goFloat(f) {
  return Object.is(f, -0) ? '-0' : String(f);
}

// num writes a coordinate with at most two decimals, as web/links.go's num.
function num(f) {
  return goFloat(goRound(f * 100) / 100);
}
