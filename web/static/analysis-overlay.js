// analysis-overlay.js — the last-mile analysis drawn over the board (docs/analysis.md,
// docs/page.md "The analysis overlay"), for everyone who reads the board, viewers too:
// each stage's launch readiness (red, amber or green, in words and a sign), the handoff
// gaps (both cards marked, both teams named), the breaks (their cards and stages marked)
// and the friction heat per cell (levels 1 to 4, when there are markers), with a panel
// that lists them in words. The "Analysis" button of the tool bar, or A, shows and hides
// it.
//
// It is computed here, from the page's store (the LiveBoard's view), by a port of the few
// rules of internal/blueprint's Analyze it draws — not fetched from the server — so that it
// follows every change at once, pending ones included, costs the server nothing, and
// needs no fetch (the page never fetches the board again, page.md). analyzeBoard is pure,
// and TestAnalysisOverlayMatchesGo compares it with Analyze on random boards.
//
// The overlay never changes what the renderer (render.js) owns: it puts a badge of its
// own (span.overlay-badge) at the end of the page's stage headers, cells and cards, which
// the renderer's shadow does not hold and so never takes away nor compares, and takes
// them all away when hidden.

import { compareStrings, fill } from './live-core.js';

// SEVERITY_WEIGHTS weigh a friction marker in the heat (blueprint.SeverityWeights).
export const SEVERITY_WEIGHTS = { low: 1, medium: 2, high: 4, blocking: 8 };

// BREAK_KINDS lists the kinds of breaks, the most severe first (blueprint.BreakKinds).
export const BREAK_KINDS = ['blocking_marker', 'unsupported_promise', 'manual_step', 'no_customer_action', 'no_owner',
  'unowned_card'];

const RANK = { green: 0, amber: 1, red: 2 };
const worst = (a, b) => (RANK[b] > RANK[a] ? b : a);
const byOrder = (a, b) => compareStrings(a.order, b.order) || compareStrings(a.id, b.id);
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const owned = (role) => role === 'frontstage' || role === 'backstage' || role === 'support';
const behind = (role) => role === 'backstage' || role === 'support';
const visible = (role) => role === 'physical_evidence' || role === 'frontstage';
const isZero = (o) => !o || Object.values(o).every((v) => !v);

/**
 * analyzeBoard computes what the overlay draws of a live-core state (live-core.js): the
 * parts of blueprint.Analyze it needs, in the same order and with the same values.
 * @param {object} s a state: maps of stages, lanes, cards, teams, links and markers
 * @returns {{level: string, critical: {identified: number, cleared: number, accepted: number},
 *   stages: {id: string, level: string, blockers: number}[],
 *   handoffs: {across: string, from: string, to: string, from_team: string, to_team: string,
 *     from_stage: string, to_stage: string, link: string, gap: boolean}[], gaps: number,
 *   breaks: {kind: string, stage: string, position: number, card: string, lane: string, marker: string}[],
 *   per_stage: {stage: string, breaks: number}[], unbroken: number,
 *   heat: {stage: string, lane: string, score: number, level: number, markers: number}[], heat_max: number}}
 */
export function analyzeBoard(s) {
  const x = index(s);
  return { ...readiness(x), ...handoffs(x), ...breaks(x), ...heat(x) };
}

function index(s) {
  const stages = [...s.stages.values()].sort(byOrder);
  const lanes = [...s.lanes.values()].sort(byOrder);
  const stageAt = new Map(stages.map((st, i) => [st.id, i]));
  const laneAt = new Map(lanes.map((l, i) => [l.id, i]));
  const at = (m, id) => m.get(id) ?? 0;
  const cards = [...s.cards.values()].sort((p, q) => (at(stageAt, p.stage) - at(stageAt, q.stage))
    || (at(laneAt, p.lane) - at(laneAt, q.lane)) || compareStrings(p.order, q.order) || compareStrings(p.id, q.id));
  const byStage = stages.map(() => []);
  for (const c of cards) byStage[at(stageAt, c.stage)]?.push(c);
  const links = [...s.links.values()].sort((a, b) => compareStrings(a.id, b.id));
  const linksOf = new Map();
  for (const l of links) {
    for (const end of [l.from, l.to]) {
      if (!linksOf.has(end)) linksOf.set(end, []);
      linksOf.get(end).push(l);
    }
  }
  const exists = (a) => {
    if (!a) return false;
    if (a.card) return s.cards.has(a.card);
    if (a.link) return s.links.has(a.link);
    if (a.stage && a.lane) return s.stages.has(a.stage) && s.lanes.has(a.lane);
    return !!a.stage && s.stages.has(a.stage);
  };
  const unresolved = [...(s.markers?.values() ?? [])].filter((m) => !m.resolved && exists(m.anchor))
    .sort((a, b) => (a.seq - b.seq) || compareStrings(a.id, b.id));
  return { s, stages, lanes, stageAt, laneAt, cards, byStage, links, linksOf, unresolved,
    role: (c) => s.lanes.get(c.lane)?.role ?? '', card: (id) => s.cards.get(id) };
}

// readiness: blueprint's readiness, without the history: each stage's level and how many
// blockers touch it, and the critical links counted.
function readiness(x) {
  const level = x.stages.map(() => 'green');
  const count = x.stages.map(() => 0);
  let overall = 'green';
  const critical = { identified: 0, cleared: 0, accepted: 0 };
  const touch = (lv, ...stages) => {
    const seen = new Set();
    overall = worst(overall, lv);
    for (const id of stages) {
      const i = x.stageAt.get(id);
      if (i === undefined || seen.has(id)) continue;
      seen.add(id);
      level[i] = worst(level[i], lv);
      count[i]++;
    }
  };
  for (const l of x.links) {
    if (!l.critical) continue;
    critical.identified++;
    const accepted = !isZero(l.risk);
    if ((l.status === 'resolved' && l.owner) || accepted) {
      critical.cleared++;
      if (accepted) critical.accepted++;
      continue;
    }
    touch(l.status === 'agreed' || l.status === 'resolved' ? 'amber' : 'red', x.card(l.from)?.stage, x.card(l.to)?.stage);
  }
  for (const m of x.unresolved) {
    if (m.severity !== 'blocking') continue;
    touch('red', x.card(m.anchor.card)?.stage ?? m.anchor.stage);
  }
  return { level: overall, critical, stages: x.stages.map((st, i) => ({ id: st.id, level: level[i], blockers: count[i] })) };
}

// linkAgreed: the link says the teams agreed on the handoff.
function linkAgreed(l) {
  return l.status === 'agreed' || l.status === 'resolved' || (!isZero(l.ack_from) && !isZero(l.ack_to));
}

// handoffs: blueprint's handoffs, in journey order, each a gap unless a link covering it
// is agreed.
function handoffs(x) {
  const list = [];
  const last = new Map(); // lane → its last owned card so far
  for (const c of x.cards) {
    if (!c.team) continue;
    const p = last.get(c.lane);
    if (p && p.team !== c.team) list.push([p, c, 'journey']);
    last.set(c.lane, c);
  }
  const firstOfTeam = (cards, c) => { if (!cards.some((o) => o.team === c.team)) cards.push(c); };
  for (const cards of x.byStage) {
    const side = { frontstage: [], backstage: [], support: [] };
    for (const c of cards) if (c.team && side[x.role(c)]) firstOfTeam(side[x.role(c)], c);
    for (const [above, below, across] of [[side.frontstage, side.backstage, 'visibility'], [side.backstage, side.support, 'internal_interaction']]) {
      for (const a of above) for (const b of below) if (a.team !== b.team) list.push([a, b, across]);
    }
  }
  const pair = (a, b) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
  const byPair = new Map();
  for (const l of x.links) {
    const f = x.card(l.from);
    const t = x.card(l.to);
    if (!f?.team || !t?.team || f.team === t.team) continue;
    const k = pair(f.team, t.team);
    if (!byPair.has(k)) byPair.set(k, []);
    byPair.get(k).push(l);
  }
  const rank = (l, from, to) => (linkAgreed(l) ? 4 : 0)
    + ((l.from === from.id && l.to === to.id) || (l.from === to.id && l.to === from.id) ? 2 : 0) + (l.kind === 'handoff' ? 1 : 0);
  const within = (l, s1, s2) => [l.from, l.to].every((id) => { const st = x.card(id)?.stage; return st === s1 || st === s2; });
  const make = (from, to, across, l) => ({
    across, from: from.id, to: to.id, from_team: from.team, to_team: to.team, from_stage: from.stage, to_stage: to.stage,
    link: l?.id ?? '', gap: !(l && linkAgreed(l)),
  });
  const used = new Set();
  const out = [];
  for (const [from, to, across] of list) {
    let best = null;
    for (const l of byPair.get(pair(from.team, to.team)) ?? []) {
      if (!within(l, from.stage, to.stage)) continue;
      if (!best || rank(l, from, to) > rank(best, from, to)) best = l;
    }
    if (best) used.add(best.id);
    out.push(make(from, to, across, best));
  }
  for (const l of x.links) {
    if (used.has(l.id) || l.kind !== 'handoff') continue;
    const f = x.card(l.from);
    const t = x.card(l.to);
    if (!f?.team || !t?.team || f.team === t.team) continue;
    out.push(make(f, t, 'link', l));
  }
  const n = x.stages.length;
  const key = (h) => (x.stageAt.get(h.from_stage) ?? 0) * n + (x.stageAt.get(h.to_stage) ?? 0);
  out.sort((a, b) => key(a) - key(b)); // stable, as Go's SortStableFunc
  return { handoffs: out, gaps: out.filter((h) => h.gap).length };
}

// breaks: blueprint's breaks, ranked by where they sit (the latest first), and how many
// each stage holds.
function breaks(x) {
  const n = x.stages.length;
  const out = [];
  const perStage = x.stages.map((st) => ({ stage: st.id, breaks: 0 }));
  const hasCustomerLane = x.lanes.some((l) => l.role === 'customer_actions');
  const lastFrom = n - Math.max(1, Math.ceil(n / 3));
  const add = (i, kind, c, extra = {}) => out.push({ kind, stage: x.stages[i].id, position: i + 1, card: c?.id ?? '',
    lane: c?.lane ?? '', marker: '', ...extra });
  const markersAt = new Map();
  for (const m of x.unresolved) {
    if (m.severity !== 'blocking') continue;
    const st = x.card(m.anchor.card)?.stage ?? m.anchor.stage;
    if (!markersAt.has(st)) markersAt.set(st, []);
    markersAt.get(st).push(m);
  }
  let unbroken = 0;
  x.byStage.forEach((cards, i) => {
    const stage = x.stages[i];
    const before = out.length;
    for (const m of markersAt.get(stage.id) ?? []) {
      const c = m.anchor.card ? x.card(m.anchor.card) : null;
      add(i, 'blocking_marker', c, c ? { marker: m.id } : { marker: m.id, lane: m.anchor.lane ?? '' });
    }
    const supported = cards.some((c) => c.team && behind(x.role(c)));
    let customer = false;
    let ownedAny = false;
    for (const c of cards) {
      const role = x.role(c);
      customer ||= role === 'customer_actions';
      ownedAny ||= !!c.team;
      if (visible(role) && !supported && !linkedBehind(x, c)) add(i, 'unsupported_promise', c);
    }
    for (const c of cards) if (c.manual && i >= lastFrom) add(i, 'manual_step', c);
    if (hasCustomerLane && !customer) add(i, 'no_customer_action', null);
    if (!ownedAny) add(i, 'no_owner', null);
    for (const c of cards) if (!c.team && owned(x.role(c))) add(i, 'unowned_card', c);
    perStage[i].breaks = out.length - before;
    if (perStage[i].breaks === 0) unbroken++;
  });
  out.sort((a, b) => (b.position - a.position) || (BREAK_KINDS.indexOf(a.kind) - BREAK_KINDS.indexOf(b.kind)));
  return { breaks: out, per_stage: perStage, unbroken };
}

function linkedBehind(x, c) {
  return (x.linksOf.get(c.id) ?? []).some((l) => {
    const o = x.card(l.to === c.id ? l.from : l.to);
    return !!o?.team && behind(x.role(o));
  });
}

// heat: blueprint's heat map: per cell, the markers not resolved weighed by severity times
// one plus their +1s, placed on a scale of 1 to 4 of the hottest; the hottest first.
function heat(x) {
  const cells = new Map();
  for (const m of x.unresolved) {
    const c = x.card(m.anchor.card);
    const stage = c ? c.stage : (m.anchor.stage ?? '');
    const lane = c ? c.lane : (m.anchor.lane ?? '');
    const k = `${stage}\u0000${lane}`;
    if (!cells.has(k)) cells.set(k, { stage, lane, score: 0, level: 0, markers: 0 });
    const cell = cells.get(k);
    cell.markers++;
    cell.score += (SEVERITY_WEIGHTS[m.severity] ?? 0) * (1 + (m.plus_ones?.length ?? 0));
  }
  const list = [...cells.values()];
  const max = Math.max(0, ...list.map((c) => c.score));
  for (const c of list) c.level = max > 0 ? Math.floor((4 * c.score + max - 1) / max) : 0;
  list.sort((a, b) => (b.score - a.score) || cmp(x.stageAt.get(a.stage) ?? 0, x.stageAt.get(b.stage) ?? 0)
    || cmp(x.laneAt.get(a.lane) ?? 0, x.laneAt.get(b.lane) ?? 0));
  return { heat: list, heat_max: max };
}

// ---------------------------------------------------------------------------------------
// Drawing.

const RAG_SIGN = { red: '✕', amber: '!', green: '✓' };

/**
 * startOverlay makes the analysis overlay of article's board, shown and hidden by the
 * tool bar's button and by A.
 * @param {HTMLElement} article the article.board
 * @param {import('./live.js').LiveBoard} live
 * @returns {Overlay|null} null when the page has no overlay
 */
export function startOverlay(article, live) {
  const panel = document.querySelector('[data-analysis-overlay]');
  const toggle = document.querySelector('[data-overlay-toggle]');
  if (!panel || !toggle) return null;
  return new Overlay(article, live, panel, toggle);
}

export class Overlay {
  constructor(article, live, panel, toggle) {
    this.article = article;
    this.live = live;
    this.panel = panel;
    this.toggle = toggle;
    this.texts = panel.dataset;
    this.plural = new Intl.PluralRules(document.documentElement.lang || 'en');
    this.on = false;
    this.frame = 0;
    this.badges = new Map(); // the page's node → its badge
    this.result = null;

    toggle.hidden = false;
    toggle.addEventListener('click', () => this.show(!this.on));
    panel.querySelector('[data-overlay-hide]')?.addEventListener('click', () => {
      this.show(false);
      this.toggle.focus();
    });
    document.addEventListener('keydown', (e) => this.onKey(e));
    live.addEventListener('view', () => this.schedule());
    article.addEventListener('board:render', () => this.schedule());
  }

  onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || (e.key !== 'a' && e.key !== 'A')) return;
    const t = e.target;
    if (t.closest?.('input, textarea, select, [contenteditable], dialog, .card-popup')) return;
    e.preventDefault();
    this.show(!this.on);
  }

  /** show shows the overlay (on) or hides it, and says so. */
  show(on) {
    this.on = on;
    this.toggle.setAttribute('aria-pressed', String(on));
    this.panel.hidden = !on;
    this.article.classList.toggle('overlay-on', on);
    if (on) this.draw();
    else this.clear();
    const status = this.panel.parentElement?.querySelector('[data-overlay-status]');
    if (status) status.textContent = on ? this.texts.shown ?? '' : this.texts.hidden ?? '';
  }

  // schedule draws the overlay at the next frame, once however many changes come.
  schedule() {
    if (!this.on || this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.on) this.draw();
    });
  }

  draw() {
    const view = this.live.view();
    if (!view) return;
    const r = analyzeBoard(view);
    this.result = r;
    const wanted = new Map(); // the page's node → [class, text]
    const mark = (node, cls, text) => {
      if (!node) return;
      const had = wanted.get(node);
      wanted.set(node, had ? [`${had[0]} ${cls}`, `${had[1]} · ${text}`] : [cls, text]);
    };
    const stageNode = (id) => this.article.querySelector(`th.stage[data-stage-id="${CSS.escape(id)}"]`);
    const cardNode = (id) => this.article.querySelector(`td.cell > .card[data-card-id="${CSS.escape(id)}"]`);
    const cellNode = (stage, lane) => this.article.querySelector(`td.cell[data-stage-id="${CSS.escape(stage)}"][data-lane-id="${CSS.escape(lane)}"]`);
    const teamName = (id) => view.teams.get(id)?.name ?? '';
    const stageName = (id) => view.stages.get(id)?.name ?? '';
    const cardText = (id) => quoted(view.cards.get(id)?.text ?? '');

    for (const st of r.stages) {
      const words = this.rag(st.level);
      const text = st.blockers ? `${words} · ${this.count(st.blockers)}` : words;
      mark(stageNode(st.id), `ov-rag ov-${st.level}`, text);
    }
    for (const h of r.handoffs) {
      if (!h.gap) continue;
      const text = `${this.texts.gapMark ?? ''}: ${teamName(h.from_team)} → ${teamName(h.to_team)}`;
      mark(cardNode(h.from), 'ov-gap', text);
      mark(cardNode(h.to), 'ov-gap', text);
    }
    for (const b of r.breaks) {
      const kind = this.texts[`break${camel(b.kind)}`] ?? b.kind;
      if (b.card) mark(cardNode(b.card), 'ov-break', kind);
    }
    for (const h of r.heat) {
      if (!h.stage || !h.lane) continue;
      mark(cellNode(h.stage, h.lane), `ov-heat ov-heat-${h.level}`, fill(this.texts.heatLevel ?? '{level}', { level: h.level }));
    }
    this.apply(wanted);
    this.drawPanel(r, { teamName, stageName, cardText });
  }

  // apply puts a badge on each node of wanted, and takes away those no longer wanted;
  // badges that say the same are left as they are.
  apply(wanted) {
    for (const [node, badge] of [...this.badges]) {
      if (wanted.has(node) && node.isConnected) continue;
      badge.remove();
      node.classList.remove('overlay-marked');
      this.badges.delete(node);
    }
    for (const [node, [cls, text]] of wanted) {
      let badge = this.badges.get(node);
      if (!badge) {
        badge = document.createElement('span');
        this.badges.set(node, badge);
      }
      const className = `overlay-badge ${cls}`;
      if (badge.className !== className) badge.className = className;
      if (badge.textContent !== text) badge.textContent = text;
      if (badge.parentNode !== node || badge.nextSibling) node.append(badge);
      if (!node.classList.contains('overlay-marked')) node.classList.add('overlay-marked');
    }
  }

  clear() {
    this.apply(new Map());
    for (const list of this.panel.querySelectorAll('[data-overlay-list]')) list.replaceChildren();
  }

  drawPanel(r, { teamName, stageName, cardText }) {
    const t = this.texts;
    const overall = this.panel.querySelector('[data-overlay-overall]');
    const overallText = fill(t.overall ?? '{level}', { level: this.rag(r.level) });
    if (overall.textContent !== overallText) overall.textContent = overallText;
    overall.dataset.level = r.level;
    const items = (name, rows, empty) => {
      const list = this.panel.querySelector(`[data-overlay-list="${name}"]`);
      const lis = rows.map(([text, level]) => {
        const li = document.createElement('li');
        if (level) {
          li.className = `ov-item ov-${level}`;
          const sign = document.createElement('span');
          sign.className = 'ov-sign';
          sign.setAttribute('aria-hidden', 'true');
          sign.textContent = RAG_SIGN[level];
          li.append(sign, ' ');
        }
        li.append(text);
        return li;
      });
      if (lis.length === 0) {
        const li = document.createElement('li');
        li.className = 'overlay-empty';
        li.textContent = empty ?? '';
        lis.push(li);
      }
      const same = list.children.length === lis.length && lis.every((li, i) => list.children[i].outerHTML === li.outerHTML);
      if (!same) list.replaceChildren(...lis);
    };
    items('stages', r.stages.map((st) => [fill(t.stageLevel ?? '{stage}: {level}', {
      stage: stageName(st.id), level: st.blockers ? `${this.rag(st.level)} · ${this.count(st.blockers)}` : this.rag(st.level),
    }), st.level]), '');
    items('gaps', r.handoffs.filter((h) => h.gap).map((h) => [fill(t.gap ?? '', {
      from_team: teamName(h.from_team), to_team: teamName(h.to_team), from: cardText(h.from), to: cardText(h.to),
      stage: h.from_stage === h.to_stage ? stageName(h.from_stage) : `${stageName(h.from_stage)} → ${stageName(h.to_stage)}`,
    })]), t.noGaps);
    items('breaks', r.breaks.map((b) => {
      const kind = t[`break${camel(b.kind)}`] ?? b.kind;
      return [b.card ? fill(t.breakItemCard ?? '', { stage: stageName(b.stage), kind, card: cardText(b.card) })
        : fill(t.breakItem ?? '', { stage: stageName(b.stage), kind })];
    }), t.noBreaks);
    items('heat', r.heat.filter((h) => h.stage && h.lane).map((h) => [`${stageName(h.stage)} × ${view(this.live)?.lanes.get(h.lane)?.label ?? ''}: ${fill(t.heatLevel ?? '{level}', { level: h.level })}`]), t.noHeat);
  }

  rag(level) { return this.texts[`rag${camel(level)}`] ?? level; }

  count(n) {
    return (this.plural.select(n) === 'one' ? this.texts.blockersOne : this.texts.blockersOther)?.replace('{n}', String(n)) ?? String(n);
  }
}

function view(live) { return live.view(); }

// camel turns a snake_case word into the CamelCase of a dataset key: no_owner → NoOwner.
function camel(s) {
  return s.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

// quoted returns a card's text on one line, cut to 60 characters.
function quoted(text) {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > 60 ? `${chars.slice(0, 59).join('')}…` : chars.join('');
}
