// core_test.js — tests of web/static/live-core.js and live.js, run in Chromium by
// TestCore (core_test.go), which passes the Go implementation's answers for order keys
// and op application. Results go to window.__coreResults: {pass, fail, failures}.

import {
  ClientKeys, Replica, applyOp, compareStrings, fromExport, keyBetween, keysBetween, toExport, validateOp,
} from '/static/live-core.js';
import { LiveBoard, State } from '/static/live.js';
import { fill, isolate as isolateText } from '/static/live-core.js';
import { initials } from '/static/presence.js';
import { formatDuration, parseDuration } from '/static/duration.js';
import { describe, inverseOps, planStep, undoOf } from '/static/undo.js';
import {
  ACTIONS, ALLOWED_FIELDS, ANNOTATION_TYPES, CARD_KINDS, Code, DIGITS, EVIDENCE_LEVELS, FRICTION_KINDS, LANE_ROLES,
  LINK_KINDS, LINK_STATUSES, Limits, MILESTONES, SEVERITIES, TIMER_ACTIONS, validID,
} from '/static/live-core.js';
import { Close, ProtocolVersion } from '/static/live.js';
import { VIEW_LIMITS } from '/static/follow.js';
import { MAX_ZOOM, MIN_ZOOM } from '/static/zoom.js';

const MAX_FAILURES = 40;
const results = { pass: 0, fail: 0, failures: [] };
let current = '';

function check(ok, what) {
  if (ok) {
    results.pass++;
    return true;
  }
  results.fail++;
  if (results.failures.length < MAX_FAILURES) results.failures.push(`${current}: ${what}`);
  return false;
}

function eq(got, want, what) {
  const g = JSON.stringify(got) ?? 'undefined';
  const w = JSON.stringify(want) ?? 'undefined';
  if (g === w) return check(true, what);
  // Show both around the first difference.
  let i = 0;
  while (i < g.length && g[i] === w[i]) i++;
  const from = Math.max(0, i - 60);
  const around = (s) => `${from > 0 ? '…' : ''}${s.slice(from, i + 140)}${s.length > i + 140 ? '…' : ''}`;
  return check(false, `${what}: got ${around(g)}, want ${around(w)}`);
}

const tests = [];
function test(name, fn) {
  tests.push([name, fn]);
}

const clone = (v) => JSON.parse(JSON.stringify(v));
const ids = (list) => list.map((x) => x.id);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(cond, what, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return check(false, `timed out waiting for ${what}`);
    await sleep(2);
  }
  return check(true, what);
}

function memStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), map: m };
}

const committed = (seq, op) => ({ seq, author: 'x', at: 0, op });
const cardText = (id, text, key) => ({ key, op: 'update', type: 'card', id, fields: { text } });
const newCard = (id, text, key) => ({
  key, op: 'create', type: 'card', id, fields: { stage: 'stage-1', lane: 'lane-1', order: 'V', text },
});

// --- order keys against the Go implementation -----------------------------------------

test('keyBetween matches blueprint.KeyBetween', (input) => {
  check(input.keys.length > 300, `${input.keys.length} cases`);
  for (const c of input.keys) {
    let key = '';
    let code = '';
    try {
      key = keyBetween(c.a, c.b);
    } catch (err) {
      code = err.code ?? String(err);
    }
    eq([key, code], [c.key ?? '', c.code ?? ''], `keyBetween(${JSON.stringify(c.a)}, ${JSON.stringify(c.b)})`);
  }
});

test('keysBetween matches blueprint.KeysBetween', (input) => {
  for (const c of input.keysN) {
    eq(keysBetween(c.a, c.b, c.n), c.keys, `keysBetween(${JSON.stringify(c.a)}, ${JSON.stringify(c.b)}, ${c.n})`);
  }
});

// --- op application against the Go implementation -------------------------------------

test('Replica: annotation ops change the comments and markers, never the board, and name only them', (input) => {
  const r = new Replica({ board: clone(input.start) });
  r.takeChanges();
  const board = JSON.stringify({ ...toExport(r.view()), seq: 0 });
  const cell = { stage: 'stage-1', lane: 'lane-1' };
  const res = r.receive([
    { seq: 41, author: 'Ana', by: 'u:ana', at: 1000, op: { op: 'create', type: 'comment', id: 'm1', fields: { anchor: cell, text: '<b>Who?</b>', mentions: ['u:bo'] } } },
    { seq: 42, author: 'Bo', by: 'u:bo', at: 2000, op: { op: 'create', type: 'marker', id: 'f1', fields: { anchor: cell, severity: 'high', kind: 'waiting', text: 'Slow' } } },
    { seq: 43, author: 'Cy', by: 'g:cy', at: 3000, op: { op: 'create', type: 'plusone', id: 'f1' } },
    { seq: 44, author: 'Bo', by: 'u:bo', at: 4000, op: { op: 'create', type: 'comment', id: 'm2', fields: { parent: 'm1', text: 'Me' } } },
  ]);
  eq(res.error, null, 'every annotation op applies');
  eq([...r.takeChanges().keys].sort(), ['comment:m1', 'comment:m2', 'marker:f1'], 'the changes name the comments and the marker only');
  eq(JSON.stringify({ ...toExport(r.view()), seq: 0, comments: undefined, markers: undefined }), board, 'the board document is untouched');
  const e = toExport(r.view());
  eq(e.comments.map((c) => [c.id, c.by, c.author, c.seq, c.parent ?? '', c.anchor]),
    [['m1', 'u:ana', 'Ana', 41, '', cell], ['m2', 'u:bo', 'Bo', 44, 'm1', cell]], 'comments, as the export has them');
  eq(e.markers[0].plus_ones, [{ by: 'g:cy', author: 'Cy', at: 3000 }], 'the +1 is Cy\'s');
  r.setIdentity('u:bo', 'Bo');
  r.add({ key: 'k:1', op: 'update', type: 'comment', id: 'm1', fields: { resolved: true } });
  eq(r.view().comments.get('m1').resolved_by, 'u:bo', 'a pending resolve shows as the page\'s person');
  eq(r.confirmed.comments.get('m1').resolved, undefined, 'and leaves the confirmed state alone');
  eq(toExport(fromExport(clone(e))), e, 'comments and markers round-trip through an export');
});

// originOf returns who makes a step's annotation op, as blueprint.Origin encodes it.
const originOf = (step) => step.origin && { seq: step.origin.Seq, by: step.origin.By, author: step.origin.Name, at: step.origin.At };

test('applyOp matches Board.Apply, step by step', (input) => {
  const s = fromExport(input.start);
  eq(toExport(s), toExport(fromExport(clone(input.start))), 'the start state round-trips');
  input.steps.forEach((step, i) => {
    const before = JSON.stringify(toExport(s));
    const err = applyOp(s, clone(step.op), originOf(step));
    const what = `step ${i + 1} (${step.op.op} ${step.op.type} ${step.op.id})`;
    eq(err?.code ?? '', step.code ?? '', `${what}: error code (${err?.message ?? 'applied'})`);
    if (err) eq(JSON.stringify(toExport(s)), before, `${what}: a refused op changes nothing`);
    const mine = toExport(s);
    const go = step.after;
    // Content, with the fields the export omits filled in, and order exactly as Go's.
    eq(mine, toExport(fromExport(go)), `${what}: state`);
    for (const list of ['stages', 'lanes', 'cards', 'teams', 'links', 'comments', 'markers']) {
      eq(ids(mine[list] ?? []), ids(go[list] ?? []), `${what}: order of ${list}`);
    }
  });
});

test('inverseOps undoes every op of the table, cascades included', (input) => {
  const s = fromExport(input.start);
  let undone = 0;
  input.steps.forEach((step, i) => {
    if (ANNOTATION_TYPES.includes(step.op.type)) { // not in the undo stream
      applyOp(s, clone(step.op), originOf(step));
      return;
    }
    const what = `step ${i + 1} (${step.op.op} ${step.op.type} ${step.op.id})`;
    const before = JSON.stringify(toExport(s));
    const inv = inverseOps(s, clone(step.op));
    if (applyOp(s, clone(step.op))) return; // refused: the editor drops its undo step
    if (JSON.stringify(toExport(s)) === before) return; // nothing changed
    const t = fromExport(JSON.parse(JSON.stringify(toExport(s))));
    for (const op of inv) {
      const err = applyOp(t, clone(op));
      check(!err, `${what}: the undo op ${op.op} ${op.type} ${op.id} applies (${err?.message ?? ''})`);
    }
    eq(JSON.stringify(toExport(t)), before, `${what}: undo gives back the state before it`);
    undone++;
  });
  check(undone > 20, `enough steps were undone (${undone})`);
  const team = { op: 'delete', type: 'team', id: 'missing' };
  eq(inverseOps(s, team), [], 'nothing to undo for a missing entity');
  eq(inverseOps(null, team), [], 'nothing to undo without a state');
});

// --- per-person undo ------------------------------------------------------------------

// undoBoard returns a replica of a small board, and as(author, ...ops), which commits ops
// made by author as the server would broadcast them and returns the step of history that
// takes them back (what the editor keeps), and undo(step), which plans the step and, as
// the editor, commits what applies as Ana (saying whose values it puts back) and returns
// {plan, redo}.
//   stages s1, s2; lanes l1, l2; team t1 (on c1 and c2)
//   s1/l1: c1 "First" (V), c2 "Second" (W); s1/l2: c4 "Fourth"; s2/l2: c3 "Third"
//   link k1: c1 → c3
function undoBoard() {
  const card = (id, stage, lane, order, text, team = '') => ({ id, stage, lane, order, text, team, kind: 'note' });
  const r = new Replica({
    board: {
      id: 'b1', title: 'Start', seq: 1,
      stages: [{ id: 's1', name: 'One', order: 'V' }, { id: 's2', name: 'Two', order: 'W' }],
      lanes: [{ id: 'l1', role: 'frontstage', order: 'V' }, { id: 'l2', role: 'backstage', order: 'W' }],
      cards: [card('c1', 's1', 'l1', 'V', 'First', 't1'), card('c2', 's1', 'l1', 'W', 'Second', 't1'),
        card('c4', 's1', 'l2', 'V', 'Fourth'), card('c3', 's2', 'l2', 'V', 'Third')],
      teams: [{ id: 't1', name: 'Ops', color: '#123456' }],
      links: [{ id: 'k1', from: 'c1', to: 'c3' }],
    },
  });
  let n = 0;
  const as = (author, ops, by = []) => {
    const step = [];
    for (const [i, op] of ops.entries()) {
      step.unshift(...undoOf(r.view(), op, r.origins));
      const key = `${author}:${++n}`;
      if (by[i]) r.origins.restores(key, by[i]);
      const res = r.receive([{ seq: r.seq + 1, author, at: 0, op: { ...clone(op), key } }]);
      if (res.error) throw new Error(`${author}'s ${op.op} ${op.type} ${op.id}: ${res.error.error.message}`);
    }
    return step;
  };
  const undo = (step) => {
    const plan = planStep(r.view(), r.origins, step);
    return { plan, redo: plan.ops.length ? as('Ana', plan.ops, plan.by) : [] };
  };
  return { r, as: (author, ...ops) => as(author, ops), undo };
}

const setText = (id, text) => ({ op: 'update', type: 'card', id, fields: { text } });
const moveTo = (id, stage, lane, order) => ({ op: 'update', type: 'card', id, fields: { stage, lane, order } });
const createCard = (id, stage, lane, text) => ({ op: 'create', type: 'card', id, fields: { stage, lane, order: 'z', text, kind: 'note' } });
const del = (type, id) => ({ op: 'delete', type, id });

// undoTextsOf reads the texts of undo from UndoTexts as the server renders it.
function undoTextsOf(html, undone) {
  const t = document.createElement('template');
  t.innerHTML = html;
  return { ...t.content.querySelector('[data-undo-texts]').dataset, undone };
}

// Each case makes a history with Ana (whose undo it is) and Bea, and says what Ana's
// undo (or redo) sends, what it skips ([reason, type, part, who]) and what it says.
const undoCases = [
  {
    name: 'own field untouched: undone',
    run({ as, undo }) {
      const step = as('Ana', setText('c1', 'Mine'));
      as('Bea', setText('c2', 'Hers'));
      return undo(step).plan;
    },
    ops: [setText('c1', 'First')], skipped: [], says: 'Undone',
  },
  {
    name: 'field changed by another: not undone, and who changed it',
    run({ as, undo }) {
      const step = as('Ana', setText('c1', 'Mine'));
      as('Bea', setText('c1', 'Hers'));
      return undo(step).plan;
    },
    ops: [], skipped: [['changed', 'card', 'text', 'Bea']], says: "Not undone: \u2068Bea\u2069 changed this card's text since.",
  },
  {
    name: 'another field of the card changed by another: mine is undone, theirs stays',
    run({ as, undo, r }) {
      const step = as('Ana', setText('c1', 'Mine'));
      as('Bea', moveTo('c1', 's2', 'l1', 'V'));
      const { plan } = undo(step);
      eq([r.view().cards.get('c1').text, r.view().cards.get('c1').stage], ['First', 's2'], 'the text is back, the card where Bea put it');
      return plan;
    },
    ops: [setText('c1', 'First')], skipped: [], says: 'Undone',
  },
  {
    name: 'changed by another, then set back by me: that step gives their value back, the older one is not undone',
    run({ as, undo, r }) {
      const older = as('Ana', setText('c1', 'Mine'));
      as('Bea', setText('c1', 'Hers'));
      const newer = as('Ana', setText('c1', 'Mine'));
      const first = undo(newer).plan;
      eq(first.ops, [setText('c1', 'Hers')], 'undoing the newer step gives Bea her text back');
      eq(r.view().cards.get('c1').text, 'Hers', "Bea's text is back");
      return undo(older).plan;
    },
    ops: [], skipped: [['changed', 'card', 'text', 'Bea']], says: "Not undone: \u2068Bea\u2069 changed this card's text since.",
  },
  {
    name: 'changed by another, then set back by them: mine again, undone',
    run({ as, undo }) {
      const step = as('Ana', setText('c1', 'Mine'));
      as('Bea', setText('c1', 'Hers'));
      as('Bea', setText('c1', 'Mine'));
      return undo(step).plan;
    },
    ops: [setText('c1', 'First')], skipped: [], says: 'Undone',
  },
  {
    name: 'create, then edited by another: the card stays',
    run({ as, undo, r }) {
      const step = as('Ana', createCard('c9', 's1', 'l1', 'Mine'));
      as('Bea', setText('c9', 'Rewritten'));
      const { plan } = undo(step);
      eq(r.view().cards.get('c9')?.text, 'Rewritten', "Bea's card is still there");
      return plan;
    },
    ops: [], skipped: [['changed', 'card', 'text', 'Bea']], says: "Not undone: \u2068Bea\u2069 changed this card's text since.",
  },
  {
    name: 'create, then linked by another: the card and the link stay',
    run({ as, undo }) {
      const step = as('Ana', createCard('c9', 's1', 'l1', 'Mine'));
      as('Bea', { op: 'create', type: 'link', id: 'k9', fields: { from: 'c1', to: 'c9' } });
      return undo(step).plan;
    },
    ops: [], skipped: [['changed', 'card', 'links', 'Bea']], says: "Not undone: \u2068Bea\u2069 changed this card's links since.",
  },
  {
    name: 'create, then deleted by another: nothing left to take back',
    run({ as, undo }) {
      const step = as('Ana', createCard('c9', 's1', 'l1', 'Mine'));
      as('Bea', del('card', 'c9'));
      return undo(step).plan;
    },
    ops: [], skipped: [], says: 'Undone',
  },
  {
    name: 'create of a stage, then a card put in it by another: the stage stays',
    run({ as, undo }) {
      const step = as('Ana', { op: 'create', type: 'stage', id: 's9', fields: { name: 'New', order: 'z' } });
      as('Bea', moveTo('c2', 's9', 'l1', 'V'));
      return undo(step).plan;
    },
    ops: [], skipped: [['changed', 'stage', 'cards', 'Bea']], says: "Not undone: \u2068Bea\u2069 changed this stage's cards since.",
  },
  {
    name: 'delete, nothing touched since: the card and its link come back',
    run({ as, undo }) {
      return undo(as('Ana', del('card', 'c3'))).plan;
    },
    ops: [{ op: 'create', type: 'card', id: 'c3', fields: { stage: 's2', lane: 'l2', order: 'V', text: 'Third', kind: 'note' } },
      { op: 'create', type: 'link', id: 'k1', fields: { kind: 'handoff', from: 'c1', to: 'c3', status: 'open' } }],
    skipped: [], says: 'Undone',
  },
  {
    name: 'delete, then its stage deleted by another: not undone',
    run({ as, undo }) {
      const step = as('Ana', del('card', 'c3'));
      as('Bea', del('stage', 's2'));
      return undo(step).plan;
    },
    ops: [], skipped: [['deleted', 'card', 'stage', 'Bea']],
    says: "Not undone: \u2068Bea\u2069 deleted this card's stage since.",
  },
  {
    name: 'delete, then the card at the other end of its link deleted by another: the card comes back, not the link',
    run({ as, undo }) {
      const step = as('Ana', del('card', 'c3'));
      as('Bea', del('card', 'c1'));
      return undo(step).plan;
    },
    ops: [{ op: 'create', type: 'card', id: 'c3', fields: { stage: 's2', lane: 'l2', order: 'V', text: 'Third', kind: 'note' } }],
    skipped: [['deleted', 'link', 'card', 'Bea']], says: "Partly undone: \u2068Bea\u2069 deleted a card of this link since.",
  },
  {
    name: 'update, then the card deleted by another',
    run({ as, undo }) {
      const step = as('Ana', setText('c1', 'Mine'));
      as('Bea', del('card', 'c1'));
      return undo(step).plan;
    },
    ops: [], skipped: [['deleted', 'card', 'self', 'Bea']], says: "Not undone: \u2068Bea\u2069 deleted this card since.",
  },
  {
    name: 'multi-op step (two selected cards moved), one moved again by another: the other goes back',
    run({ as, undo }) {
      const step = as('Ana', moveTo('c1', 's2', 'l2', 'X'), moveTo('c2', 's2', 'l2', 'Y'));
      as('Bea', moveTo('c2', 's1', 'l2', 'Z'));
      return undo(step).plan;
    },
    ops: [moveTo('c1', 's1', 'l1', 'V')], skipped: [['changed', 'card', 'place', 'Bea']],
    says: "Partly undone: \u2068Bea\u2069 changed this card's place since.",
  },
  {
    name: 'a card moved within its stage, then its stage changed by another: not moved back',
    run({ as, undo }) {
      const step = as('Ana', { op: 'update', type: 'card', id: 'c1', fields: { lane: 'l2', order: 'X' } });
      as('Bea', { op: 'update', type: 'card', id: 'c1', fields: { stage: 's2' } });
      return undo(step).plan;
    },
    ops: [], skipped: [['changed', 'card', 'place', 'Bea']], says: "Not undone: \u2068Bea\u2069 changed this card's place since.",
  },
  {
    name: 'stage delete with its cascade, a lane deleted since: the rest comes back',
    run({ as, undo, r }) {
      const step = as('Ana', del('stage', 's1'));
      as('Bea', del('lane', 'l1'));
      const { plan } = undo(step);
      eq([...r.view().cards.keys()].sort(), ['c3', 'c4'], 'the stage is back with its card of the lane that is left');
      return plan;
    },
    ops: [{ op: 'create', type: 'stage', id: 's1', fields: { name: 'One', order: 'V' } },
      { op: 'create', type: 'card', id: 'c4', fields: { stage: 's1', lane: 'l2', order: 'V', text: 'Fourth', kind: 'note' } }],
    skipped: [['deleted', 'card', 'lane', 'Bea'], ['deleted', 'card', 'lane', 'Bea']],
    says: "Partly undone: \u2068Bea\u2069 deleted this card's lane since.",
  },
  {
    name: 'team delete, then a card given another team by another: that card keeps it',
    run({ as, undo }) {
      const step = as('Ana', del('team', 't1'));
      as('Bea', { op: 'create', type: 'team', id: 't2', fields: { name: 'Sales' } }, { op: 'update', type: 'card', id: 'c2', fields: { team: 't2' } });
      return undo(step).plan;
    },
    ops: [{ op: 'create', type: 'team', id: 't1', fields: { name: 'Ops', color: '#123456' } },
      { op: 'update', type: 'card', id: 'c1', fields: { team: 't1' } }],
    skipped: [['changed', 'card', 'team', 'Bea']], says: "Partly undone: \u2068Bea\u2069 changed this card's team since.",
  },
  {
    name: 'redo, nothing touched since: redone',
    run({ as, undo }) {
      const { redo } = undo(as('Ana', setText('c1', 'Mine')));
      return undo(redo).plan;
    },
    which: 'redo', ops: [setText('c1', 'Mine')], skipped: [], says: 'Redone',
  },
  {
    name: 'redo after another changed the field: not redone',
    run({ as, undo }) {
      const { redo } = undo(as('Ana', setText('c1', 'Mine')));
      as('Bea', setText('c1', 'Hers'));
      return undo(redo).plan;
    },
    which: 'redo', ops: [], skipped: [['changed', 'card', 'text', 'Bea']], says: "Not redone: \u2068Bea\u2069 changed this card's text since.",
  },
  {
    name: 'redo of a create after its stage was deleted by another: not redone',
    run({ as, undo }) {
      const { redo } = undo(as('Ana', createCard('c9', 's1', 'l1', 'Mine')));
      as('Bea', del('stage', 's1'));
      return undo(redo).plan;
    },
    which: 'redo', ops: [], skipped: [['deleted', 'card', 'stage', 'Bea']], says: "Not redone: \u2068Bea\u2069 deleted this card's stage since.",
  },
  {
    name: 'redo of a delete after another edited the card: not redone',
    run({ as, undo }) {
      const { redo } = undo(as('Ana', del('card', 'c2')));
      as('Bea', setText('c2', 'Hers'));
      return undo(redo).plan;
    },
    which: 'redo', ops: [], skipped: [['changed', 'card', 'text', 'Bea']], says: "Not redone: \u2068Bea\u2069 changed this card's text since.",
  },
  {
    name: 'the board title, changed by another',
    run({ as, undo }) {
      const step = as('Ana', { op: 'update', type: 'board', id: 'b1', fields: { title: 'Mine' } });
      as('Bea', { op: 'update', type: 'board', id: 'b1', fields: { title: 'Hers' } });
      return undo(step).plan;
    },
    ops: [], skipped: [['changed', 'board', 'title', 'Bea']], says: "Not undone: \u2068Bea\u2069 changed the board's title since.",
  },
  {
    name: 'who changed it is unknown after a snapshot: someone',
    run({ as, undo, r }) {
      const step = as('Ana', setText('c1', 'Mine'));
      as('Bea', setText('c1', 'Hers'));
      r.snapshot(toExport(r.confirmed));
      return undo(step).plan;
    },
    ops: [], skipped: [['changed', 'card', 'text', '']], says: "Not undone: someone changed this card's text since.",
  },
  {
    name: 'a name with bidi controls cannot reorder the sentence',
    run({ as, undo }) {
      const step = as('Ana', setText('c1', 'Mine'));
      as('\u202eBea\u2069\n', setText('c1', 'Hers'));
      return undo(step).plan;
    },
    ops: [], skipped: [['changed', 'card', 'text', '\u202eBea\u2069\n']],
    says: "Not undone: \u2068\u202eBea \u2069 changed this card's text since.",
  },
  {
    name: 'in French',
    lang: 'fr',
    run({ as, undo }) {
      const step = as('Ana', setText('c1', 'Mine'), setText('c2', 'Mine too'));
      as('Bea', setText('c1', 'Hers'));
      return undo(step).plan;
    },
    ops: [setText('c2', 'Second')], skipped: [['changed', 'card', 'text', 'Bea']],
    says: 'Annulé en partie : \u2068Bea\u2069 a modifié le texte de cette carte depuis.',
  },
];

test('undo: does a step apply, which fields, and if not who changed it', (input) => {
  const texts = { en: undoTextsOf(input.undoHTML.en, 'Undone'), fr: undoTextsOf(input.undoHTML.fr, 'Annulé') };
  for (const c of undoCases) {
    current = `undo: ${c.name}`;
    try {
      const plan = c.run(undoBoard());
      eq(plan.ops, c.ops, 'the ops sent');
      eq(plan.skipped.map((k) => [k.reason, k.type, k.part, k.who]), c.skipped, 'what is skipped, and who changed it');
      eq(describe(plan, c.which ?? 'undo', texts[c.lang ?? 'en']), c.says, 'what the person is told');
    } catch (err) {
      check(false, `threw ${err?.stack ?? err}`); // the next cases run all the same
    }
  }
});

test('undo: without a state the step applies as recorded', () => {
  const s = fromExport({ id: 'b1', stages: [], lanes: [], cards: [{ id: 'c1', stage: 's', lane: 'l', order: 'V', text: 'a' }] });
  const step = undoOf(s, setText('c1', 'b'));
  eq(planStep(null, null, step), { ops: [setText('c1', 'a')], by: [null], skipped: [] }, 'the plan');
});

test('undo: every sentence and every part has its text', (input) => {
  for (const lang of ['en', 'fr']) {
    const texts = undoTextsOf(input.undoHTML[lang], '');
    for (const outcome of ['not', 'partly']) {
      for (const done of ['Undone', 'Redone']) {
        for (const reason of ['Changed', 'Deleted']) {
          const t = texts[outcome + done + reason] ?? '';
          check(t.includes('{name}') && t.includes('{what}'), `${lang}: ${outcome}${done}${reason} = ${JSON.stringify(t)}`);
        }
      }
    }
    const parts = { board: ['title'], stage: ['self', 'name', 'place', 'cards'], lane: ['self', 'label', 'role', 'shown', 'place', 'cards'],
      card: ['self', 'text', 'detail', 'place', 'team', 'kind', 'times', 'emotion', 'links', 'stage', 'lane'],
      team: ['self', 'name', 'color', 'cards', 'links'], link: ['self', 'kind', 'status', 'critical', 'owner', 'card'] };
    for (const [type, list] of Object.entries(parts)) {
      for (const part of list) {
        const key = `what${type[0].toUpperCase()}${type.slice(1)}${part[0].toUpperCase()}${part.slice(1)}`;
        check(!!texts[key] && !texts[key].startsWith('undo.'), `${lang}: ${key} = ${JSON.stringify(texts[key])}`);
      }
    }
    check(!!texts.someone && !!texts.redone && !!texts.nothingToRedo, `${lang}: someone, redone, nothing to redo`);
  }
});

test('compareStrings orders by code points, as Go orders bytes', () => {
  const words = ['b', 'a', '', 'ab', '\ue000', '\u{1f600}', 'é', 'Z', '\uffff', '\u{10000}'];
  const sorted = [...words].sort(compareStrings);
  eq(sorted, ['', 'Z', 'a', 'ab', 'b', 'é', '\ue000', '\uffff', '\u{10000}', '\u{1f600}'], 'sorted');
  eq(compareStrings('x', 'x'), 0, 'equal');
});

test('validateOp refuses what Op.Validate refuses', () => {
  const code = (op) => { try { validateOp(op); return ''; } catch (e) { return e.code; } };
  eq(code(newCard('c1', 'x'.repeat(4000))), '', '4000 characters');
  eq(code(newCard('c1', '😀'.repeat(4000))), '', '4000 characters outside the BMP');
  eq(code(newCard('c1', 'x'.repeat(4001))), 'too_large', '4001 characters');
  eq(code(newCard('c1', 'a\0b')), 'invalid', 'NUL');
  eq(code({ op: 'create', type: 'team', id: 't', fields: { name: 'n', color: '#12345' } }), 'invalid', 'colour');
  eq(code({ op: 'update', type: 'card', id: 'c', fields: { active_minutes: 1.5 } }), 'invalid', 'fractional minutes');
  eq(code({ key: 'k'.repeat(129), op: 'delete', type: 'card', id: 'c' }), 'invalid', 'long key');
  eq(code({ op: 'update', type: 'card', id: 'c', fields: { text: null } }), 'invalid', 'a null field is not set');
});

// --- the replica ----------------------------------------------------------------------

test('receive applies in order, ignores what it holds, stops at a gap', (input) => {
  const r = new Replica({ board: clone(input.start) });
  eq(r.seq, 40, 'seq from the export');
  let res = r.receive([committed(41, newCard('c1', 'one')), committed(42, cardText('c1', 'two'))]);
  eq([res.applied.length, res.gap, res.error, r.seq], [2, null, null, 42], 'two ops applied');
  eq(r.view().cards.get('c1').text, 'two', 'view');
  res = r.receive([committed(41, cardText('c1', 'old')), committed(42, cardText('c1', 'old')), committed(43, cardText('c1', 'three'))]);
  eq([res.applied.map((c) => c.seq), r.seq], [[43], 43], 'duplicates ignored');
  res = r.receive([committed(44, cardText('c1', 'four')), committed(46, cardText('c1', 'six'))]);
  eq([res.applied.map((c) => c.seq), res.gap, r.seq], [[44], { held: 44, got: 46 }, 44], 'gap after 44');
  eq(r.confirmed.cards.get('c1').text, 'four', 'nothing past the gap');
  eq(r.confirmed.seq, 44, 'the state has the seq');
});

test('a server op that does not apply is reported, and changes nothing', (input) => {
  const r = new Replica({ board: clone(input.start) });
  const res = r.receive([committed(41, cardText('ghost', 'x'))]);
  eq([res.applied.length, res.error?.seq, res.error?.error.code, r.seq], [0, 41, 'not_found', 40], 'drift');
  r.forget();
  eq([r.seq, r.view()], [-1, null], 'forget asks for a snapshot');
});

test('pending ops: confirmed by their key, by an ack, rolled back by a nack', (input) => {
  const r = new Replica({ board: clone(input.start) });
  r.add(newCard('mine', 'pending', 'me:1'));
  r.add(cardText('mine', 'edited', 'me:2'));
  r.add(newCard('other', 'refused', 'me:3'));
  eq(r.view().cards.get('mine').text, 'edited', 'pending ops show in the view');
  check(!r.confirmed.cards.has('mine'), 'but not in the confirmed state');
  r.receive([committed(41, newCard('mine', 'pending', 'me:1'))]);
  eq(r.pending.map((p) => p.key), ['me:2', 'me:3'], 'confirmed by the broadcast carrying its key');
  eq(r.view().cards.get('mine').text, 'edited', 'the later pending op still shows');
  check(r.ack('me:2'), 'ack of a resend');
  check(!r.ack('me:2'), 'a second ack finds nothing');
  const op = r.nack('me:3');
  eq(op?.id, 'other', 'nack returns the refused op');
  check(!r.view().cards.has('other'), 'nack rolls the op back from the view');
  eq(r.pending.length, 0, 'nothing pending');
  eq(r.nack('unknown:1'), null, 'nack of an unknown key');
});

test('view: pending ops re-applied over server ops, last writer wins per field', (input) => {
  const r = new Replica({ board: clone(input.start) });
  r.receive([committed(41, newCard('c1', 'original')), committed(42, { op: 'create', type: 'team', id: 't1', fields: { name: 'T' } })]);
  r.add(cardText('c1', 'mine', 'me:1'));
  r.receive([committed(43, { op: 'update', type: 'card', id: 'c1', fields: { text: 'theirs', team: 't1', emotion: 1 } })]);
  const c = r.view().cards.get('c1');
  eq([c.text, c.team, c.emotion], ['mine', 't1', 1], 'my text over theirs, their other fields kept');
  eq(r.confirmed.cards.get('c1').text, 'theirs', 'the confirmed state is the server\'s');
  r.receive([committed(44, cardText('c1', 'mine', 'me:1'))]);
  eq([r.pending.length, r.view().cards.get('c1').text], [0, 'mine'], 'confirmed in server order');
});

test('view: deletes win; a pending op that no longer applies is left out', (input) => {
  const r = new Replica({ board: clone(input.start) });
  r.receive([committed(41, newCard('c1', 'x'))]);
  r.add(cardText('c1', 'edit of a card being deleted', 'me:1'));
  r.receive([committed(42, { op: 'delete', type: 'card', id: 'c1' })]);
  check(!r.view().cards.has('c1'), 'the card is gone');
  eq(r.pending.length, 1, 'the op stays pending until the server answers');
  r.receive([committed(43, { op: 'delete', type: 'stage', id: 'stage-2' })]);
  check(!r.view().stages.has('stage-2'), 'stage deleted');
});

test('a seq without a state: tracking only', () => {
  const r = new Replica({ seq: 5 });
  eq(r.view(), null, 'no view');
  let res = r.receive([committed(5, cardText('c', 'x')), committed(6, cardText('c', 'y', 'me:1'))]);
  eq([res.applied.length, res.error, r.seq], [1, null, 6], 'seq advances');
  res = r.receive([committed(8, cardText('c', 'z'))]);
  eq(res.gap, { held: 6, got: 8 }, 'gap');
  r.snapshot({ format: 'lastmile', version: 1, id: 'b', title: 'T', seq: 9, stages: [], lanes: [], cards: [], teams: [], links: [] });
  eq([r.seq, r.view().title], [9, 'T'], 'a snapshot gives the state');
});

test('a snapshot replaces the state and keeps pending ops', (input) => {
  const r = new Replica({ board: clone(input.start) });
  r.add(newCard('mine', 'pending', 'me:1'));
  const snap = clone(input.start);
  snap.seq = 90;
  snap.title = 'Renamed';
  r.snapshot(snap);
  eq([r.seq, r.view().title, r.view().cards.get('mine')?.text], [90, 'Renamed', 'pending'], 'state, seq and pending');
});

// --- what changed: Replica.takeChanges, which the page's renderer draws ---------------

const changed = (r) => {
  const ch = r.takeChanges();
  return { all: ch.all, keys: [...ch.keys].sort() };
};

test('takeChanges: committed ops, their cascades, and nothing else', (input) => {
  const r = new Replica({ board: clone(input.start) });
  eq(changed(r), { all: false, keys: [] }, 'nothing at first');
  r.receive([committed(41, newCard('c1', 'a')), committed(42, { op: 'create', type: 'card', id: 'c2', fields: { stage: 'stage-2', lane: 'lane-1', order: 'V' } }),
    committed(43, { op: 'create', type: 'link', id: 'k1', fields: { from: 'c1', to: 'c2' } }),
    committed(44, { op: 'create', type: 'team', id: 't1', fields: { name: 'T' } }),
    committed(45, { op: 'update', type: 'card', id: 'c2', fields: { team: 't1' } })]);
  eq(changed(r).keys, ['card:c1', 'card:c2', 'link:k1', 'team:t1'], 'what the ops made');
  eq(changed(r), { all: false, keys: [] }, 'asked again: nothing');
  r.receive([committed(46, { op: 'delete', type: 'team', id: 't1' })]);
  eq(changed(r).keys, ['card:c2', 'team:t1'], 'a team deleted: the cards it owned');
  r.receive([committed(47, { op: 'delete', type: 'stage', id: 'stage-1' })]);
  eq(changed(r).keys, ['card:c1', 'link:k1', 'stage:stage-1'], 'a stage deleted: its cards and their links');
  r.receive([committed(48, { op: 'update', type: 'board', id: input.start.id, fields: { title: 'New' } })]);
  eq(changed(r).keys, [`board:${input.start.id}`], 'the title');
  check(r.view() === r.confirmed, 'without pending ops the view is the confirmed state, not a copy');
});

test('takeChanges: pending ops as they were shown and as they are', (input) => {
  const r = new Replica({ board: clone(input.start) });
  r.add(newCard('mine', 'x', 'me:1'));
  eq(changed(r).keys, ['card:mine'], 'a pending op shows at once');
  r.add({ key: 'me:2', op: 'update', type: 'card', id: 'mine', fields: { team: 'later' } });
  eq(changed(r).keys, ['card:mine'], 'a pending op that does not apply yet');
  check(!r.view().cards.get('mine').team, 'and is left out of the view');
  r.receive([committed(41, { op: 'create', type: 'team', id: 'later', fields: { name: 'L' } })]);
  eq(changed(r).keys, ['card:mine', 'team:later'], 'another\'s op makes it apply: the card changes too');
  eq(r.view().cards.get('mine').team, 'later', 'it shows');
  r.receive([committed(42, { op: 'delete', type: 'stage', id: 'stage-1' })]);
  eq(changed(r).keys, ['card:mine', 'stage:stage-1'], 'another\'s delete takes the pending card away');
  check(!r.view().cards.has('mine'), 'gone from the view');
  r.nack('me:1');
  r.nack('me:2');
  eq(changed(r).keys, ['card:mine'], 'refused: what they changed, once');
  eq(changed(r).keys, [], 'then nothing');
  r.add(cardText('ghost', 'x', 'me:3'));
  r.snapshot(clone(input.start));
  eq(changed(r).all, true, 'a snapshot: everything');
  r.forget();
  eq(changed(r).all, true, 'forgotten: everything');
});

test('client keys: unique, kept over a reload, not shared with a duplicated tab', () => {
  const storage = memStorage();
  const a = new ClientKeys(storage);
  check(/^[a-z2-7]{16}$/.test(a.id), `client id ${a.id}`);
  eq([a.next(), a.next()], [`${a.id}:1`, `${a.id}:2`], 'numbered from 1');
  const dup = new ClientKeys(storage); // a copy of sessionStorage while a is open
  check(dup.id !== a.id, 'a duplicated tab takes another id');
  const other = memStorage();
  const b = new ClientKeys(other);
  b.next();
  b.release(); // pagehide
  const reloaded = new ClientKeys(other);
  eq([reloaded.id, reloaded.next()], [b.id, `${b.id}:2`], 'a reload keeps the id and goes on numbering');
  // A page left for another of the same tab, then restored from the back/forward cache.
  const tab = memStorage();
  const first = new ClientKeys(tab);
  first.next();
  first.release(); // pagehide
  const second = new ClientKeys(tab);
  eq([second.id, second.next(), second.next()], [first.id, `${first.id}:2`, `${first.id}:3`], 'the next page goes on');
  second.release();
  first.claim(); // pageshow
  eq(first.next(), `${first.id}:4`, 'the restored page goes on after the other page\'s numbers');
  const broken = memStorage();
  broken.setItem('lastmile.client', '{not json');
  check(/^[a-z2-7]{16}$/.test(new ClientKeys(broken).id), 'a broken entry is replaced');
  check(/^[a-z2-7]{16}$/.test(new ClientKeys(null).next().split(':')[0]), 'no storage at all');
});

// --- what people type, inside the sentences of the page ------------------------------

const FSI = '\u2068';
const PDI = '\u2069';

test('fill isolates the values that could reorder the sentence, and only those', () => {
  eq(fill('Remove {name}?', { name: 'Ana Lima' }), 'Remove Ana Lima?', 'Latin letters go in as they are');
  eq(fill('Le lien « {label} »', { label: 'l’étape n° 2' }), 'Le lien « l’étape n° 2 »', 'and French punctuation');
  eq(fill('{n} cards, {x}', { n: 3 }), '3 cards, {x}', 'a number goes in as it is; an unknown placeholder stays');
  eq(fill('Linking from “{from}”: go on', { from: 'abc\u202Edef' }), `Linking from “${FSI}abc\u202Edef${PDI}”: go on`,
    'a right-to-left override is isolated');
  eq(fill('Owner: {team}', { team: 'فريق' }), `Owner: ${FSI}فريق${PDI}`, 'a right-to-left name is isolated');
  eq(fill('{a} and {b}', { a: '{b}', b: '$&' }), '{b} and $&', 'a value that looks like a placeholder or holds $& goes in as it is');
  eq(fill('{name} is editing', { name: `${FSI}Bea${PDI}` }), `${FSI}Bea${PDI} is editing`, 'an isolated value is not isolated again');
});

test('isolate keeps what text holds to itself, as web/bidi.go does', () => {
  const cases = [
    ['Ana Lima', `${FSI}Ana Lima${PDI}`, 'plain'],
    ['', `${FSI}${PDI}`, 'empty'],
    ['abc\u202Edef', `${FSI}abc\u202Edef${PDI}`, 'an override ends with the isolate'],
    ['a\u2067b\u2069c', `${FSI}a\u2067b\u2069c${PDI}`, 'its own isolates are kept'],
    ['\u2069\u202Eevil', `${FSI}\u202Eevil${PDI}`, 'a pop that closes none of its own is dropped'],
    ['\u2067abc\u2068d', `${FSI}\u2067abc\u2068d${PDI}${PDI}${PDI}`, 'what it opens is closed'],
    ['one\ntwo\u2029three', `${FSI}one two three${PDI}`, 'line breaks become spaces'],
    [`${FSI}Bea${PDI}`, `${FSI}Bea${PDI}`, 'one isolate stays as it is'],
    [`${FSI}a${PDI}b${FSI}c${PDI}`, `${FSI}${FSI}a${PDI}b${FSI}c${PDI}${PDI}`, 'two isolates are isolated together'],
  ];
  for (const [text, want, what] of cases) eq(isolateText(text), want, what);
});

test('initials pass over what is not a letter or a digit', () => {
  eq(initials('Ana Lima'), 'AL', 'first and last words');
  eq(initials('ada@example.org'), 'AO', 'an e-mail');
  eq(initials('\u202Eevil name'), 'EN', 'a control at the start of a word');
  eq(initials(`${FSI}Bea${PDI}`), 'B', 'an isolate around the name');
  eq(initials('— …'), '?', 'no letter at all');
});

test('parseDuration reads times as people write them, in minutes, hours or days', () => {
  const cases = [
    ['', 0], ['  ', 0], ['0', 0], ['90', 90], ['45 min', 45], ['45min', 45], ['45 mn', 45], ['1 minute', 1],
    ['2 h', 120], ['2H', 120], ['1h30', 90], ['1 h 30', 90], ['1 h 30 min', 90], ['1hr 5mins', 65],
    ['1.5 h', 90], ['1,5 h', 90], ['1:30', 90], ['0:05', 5], ['2 d', 2880], ['2 j', 2880], ['1 jour 2 heures', 1560],
    ['1 day 12 hours', 2160], ['1 week', 10080], ['2 sem', 20160], ['0.5 min', 1], ['0.4 min', 0],
    ['30 min 1 h', 90], ['\u00a01\u202fh ', 60], ['365 d', 525600], ['525600', 525600], ['52 weeks', 524160],
  ];
  for (const [text, minutes] of cases) eq(parseDuration(text), { minutes }, JSON.stringify(text));
  const refused = [
    ['soon', 'invalid'], ['-5', 'invalid'], ['1e3', 'invalid'], ['1 h 2 h', 'invalid'], ['2 d 4', 'invalid'],
    ['5 min.', 'invalid'], ['1:75', 'invalid'], ['h', 'invalid'], ['1 parsec', 'invalid'], ['1..5 h', 'invalid'],
    ['366 d', 'too_long'], ['525601', 'too_long'], ['53 weeks', 'too_long'], ['9'.repeat(400), 'too_long'],
  ];
  for (const [text, error] of refused) eq(parseDuration(text), { error }, JSON.stringify(text));
});

test('formatDuration writes minutes exactly, as parseDuration reads them back', () => {
  const en = { day: 'd', hour: 'h', minute: 'min' };
  const fr = { day: 'j', hour: 'h', minute: 'min' };
  const cases = [[0, '', ''], [45, '45 min', '45 min'], [60, '1 h', '1 h'], [90, '1 h 30 min', '1 h 30 min'],
    [1440, '1 d', '1 j'], [2161, '1 d 12 h 1 min', '1 j 12 h 1 min'], [525600, '365 d', '365 j']];
  for (const [n, inEnglish, inFrench] of cases) {
    eq(formatDuration(n, en), inEnglish, `${n} in English`);
    eq(formatDuration(n, fr), inFrench, `${n} in French`);
    eq(parseDuration(inEnglish), { minutes: n }, `${n} read back from English`);
    eq(parseDuration(inFrench), { minutes: n }, `${n} read back from French`);
  }
});

// --- the transport, over a fake websocket --------------------------------------------

// fakeNet makes a WebSocket class whose instances the test drives as the server.
function fakeNet() {
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.readyState = 0;
      this.closedWith = null;
      sockets.push(this);
      setTimeout(() => {
        if (this.readyState !== 0) return;
        this.readyState = 1;
        this.onopen?.();
      }, 0);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open');
      this.sent.push(JSON.parse(data));
    }

    close(code) {
      if (this.readyState >= 2) return;
      this.readyState = 3;
      this.closedWith = code ?? 1005;
      setTimeout(() => this.onclose?.({ code: code ?? 1005 }), 0);
    }

    // The server's side.
    frame(f) { this.onmessage?.({ data: JSON.stringify(f) }); }

    drop(code = 1006) {
      this.readyState = 3;
      this.onclose?.({ code });
    }

    framesOf(t) { return this.sent.filter((f) => f.t === t); }
  }
  return { WebSocket: FakeSocket, sockets, last: () => sockets[sockets.length - 1] };
}

function newLive(net, opts = {}) {
  const states = [];
  const events = [];
  const live = new LiveBoard({
    boardId: 'b1', url: 'ws://test/boards/b1/ws', name: 'Ana', WebSocket: net.WebSocket,
    keys: new ClientKeys(memStorage()), backoff: { base: 1, max: 4, jitter: 0.5 },
    onState: (s) => states.push(s), ...opts,
  });
  for (const type of ['change', 'nack', 'lock', 'error', 'peers', 'cursors', 'local']) {
    live.addEventListener(type, (e) => events.push([type, e.detail]));
  }
  return { live, states, events };
}

const welcome = (seq, peers = []) => ({ t: 'welcome', v: 1, board: 'b1', conn: 'c1', role: 'editor', seq, peers });

test('LiveBoard: hello, welcome, ops confirmed by their broadcast', async () => {
  const net = fakeNet();
  const { live, states, events } = newLive(net, { seq: 7 });
  live.start();
  await until(() => net.last()?.sent.length === 1, 'hello sent');
  eq(net.last().sent[0], { t: 'hello', v: 1, client: live.keys.id, name: 'Ana', seq: 7 }, 'hello');
  eq(states, [State.CONNECTING], 'connecting');
  const key = live.submit({ op: 'update', type: 'card', id: 'c1', fields: { text: 'early' } });
  eq(net.last().framesOf('ops').length, 0, 'nothing sent before the welcome');
  net.last().frame(welcome(8, [{ conn: 'p1', name: 'Bo' }]));
  eq(states.at(-1), State.CONNECTED, 'connected');
  eq(net.last().framesOf('ops'), [{ t: 'ops', ops: [{ op: 'update', type: 'card', id: 'c1', fields: { text: 'early' }, key }] }], 'pending sent on welcome');
  net.last().frame({ t: 'ops', ops: [committed(8, cardText('c2', 'theirs'))] });
  net.last().frame({ t: 'ops', ops: [committed(9, { ...cardText('c1', 'early'), key })] });
  eq([live.seq, live.replica.pending.length], [9, 0], 'caught up, pending confirmed');
  eq(events.filter(([t]) => t === 'change').map(([, d]) => d.seq), [8, 9], 'change events');
  eq(events.find(([t]) => t === 'peers')?.[1].peers.map((p) => p.name), ['Bo'], 'peers from the welcome');
  net.last().frame({ t: 'peers', peers: [{ conn: 'p2', name: 'Cy' }, { conn: 'c1', name: 'Ana' }], left: ['p1'] });
  eq([...live.peers.keys()], ['p2'], 'a join and a leave in one frame; our own entry is not kept');
  net.last().frame({ t: 'peers', peers: [{ conn: 'p2', name: 'Cy', editing: 'c1' }] });
  eq(live.peers.get('p2')?.editing, 'c1', 'a later entry replaces the earlier one');
  const told = events.filter(([t]) => t === 'peers').length;
  net.last().frame({ t: 'peers', peers: [{ conn: 'p2', name: 'Cy', editing: 'c1', cursor: { x: 3, y: 4 } }] });
  eq([events.filter(([t]) => t === 'peers').length, events.at(-1)[0], live.peers.get('p2')?.cursor],
    [told, 'cursors', { x: 3, y: 4 }], 'a pointer move alone is told as cursors');
  let threw = '';
  try { live.submit({ op: 'update', type: 'card', id: 'c1', fields: {} }); } catch (e) { threw = e.code; }
  eq(threw, 'invalid', 'a malformed op is refused at once');
  live.stop();
  eq([states.at(-1), net.last().closedWith], [State.STOPPED, 1000], 'stopped');
});

test('LiveBoard: nack drops the op and reports it; lock conflicts are reported', async () => {
  const net = fakeNet();
  const { live, events } = newLive(net, { seq: 3 });
  live.start();
  await until(() => net.last()?.sent.length === 1, 'hello');
  net.last().frame(welcome(3));
  const key = live.submit({ op: 'update', type: 'card', id: 'c1', fields: { text: 'x' } });
  net.last().frame({ t: 'nack', key, id: 'c1', code: 'not_found', message: 'card "c1" does not exist' });
  const nack = events.find(([t]) => t === 'nack')?.[1];
  eq([nack?.key, nack?.code, nack?.op?.id, live.replica.pending.length], [key, 'not_found', 'c1', 0], 'nack');
  live.setPresence({ editing: 'c9' });
  await until(() => net.last().framesOf('presence').length === 1, 'presence sent');
  eq(net.last().framesOf('presence')[0], { t: 'presence', editing: 'c9' }, 'presence frame');
  net.last().frame({ t: 'nack', id: 'c9', code: 'conflict', message: 'Bo is editing this card' });
  eq(events.find(([t]) => t === 'lock')?.[1], { id: 'c9', code: 'conflict', message: 'Bo is editing this card' }, 'lock');
  live.stop();
});

test('LiveBoard: reconnects after 1012 and 1013, resending pending ops with the same keys', async () => {
  const net = fakeNet();
  const { live, states } = newLive(net, { seq: 10 });
  live.start();
  await until(() => net.last()?.sent.length === 1, 'hello');
  net.last().frame(welcome(10));
  const key = live.submit({ op: 'update', type: 'card', id: 'c1', fields: { text: 'x' } });
  net.last().frame({ t: 'ops', ops: [committed(11, cardText('c2', 'y'))] });
  for (const code of [1012, 1013, 1006]) {
    const before = net.sockets.length;
    net.last().drop(code);
    eq(states.at(-1), State.RECONNECTING, `reconnecting after ${code}`);
    await until(() => net.sockets.length === before + 1 && net.last().sent.length === 1, `a new connection after ${code}`);
    eq(net.last().sent[0].seq, 11, `hello with the held seq after ${code}`);
    net.last().frame(welcome(11));
    eq(net.last().framesOf('ops').map((f) => f.ops.map((o) => o.key)), [[key]], `resent with the same key after ${code}`);
    eq(states.at(-1), State.CONNECTED, `connected again after ${code}`);
  }
  net.last().frame({ t: 'ack', key, seq: 5 });
  eq(live.replica.pending.length, 0, 'an ack confirms the resend');
  live.stop();
});

test('LiveBoard: a gap makes it reconnect from the held seq', async () => {
  const net = fakeNet();
  const { live } = newLive(net, { seq: 20 });
  live.start();
  await until(() => net.last()?.sent.length === 1, 'hello');
  const first = net.last();
  first.frame(welcome(21));
  first.frame({ t: 'ops', ops: [committed(21, cardText('c', 'a'))] });
  first.frame({ t: 'ops', ops: [committed(23, cardText('c', 'c'))] });
  eq(first.closedWith, 4000, 'closed on the gap');
  await until(() => net.sockets.length === 2 && net.last().sent.length === 1, 'reconnected');
  eq(net.last().sent[0].seq, 21, 'hello from the last seq before the gap');
  first.frame({ t: 'ops', ops: [committed(22, cardText('c', 'late'))] });
  eq(live.seq, 21, 'frames of an abandoned connection are ignored');
  live.stop();
});

test('LiveBoard: a version error stops it and asks for a reload', async () => {
  const net = fakeNet();
  const { live, states, events } = newLive(net, { seq: 1 });
  live.start();
  await until(() => net.last()?.sent.length === 1, 'hello');
  net.last().frame({ t: 'error', code: 'version', message: 'this server speaks protocol version 2, not 1: please reload the page' });
  net.last().drop(1008);
  eq(states.at(-1), State.RELOAD, 'reload');
  eq(events.find(([t]) => t === 'error')?.[1].code, 'version', 'error event');
  await sleep(30);
  eq(net.sockets.length, 1, 'no reconnection');
});

test('LiveBoard: says offline after failed attempts, with growing delays', async () => {
  const net = fakeNet();
  const { live, states } = newLive(net, { seq: 1, backoff: { base: 5, max: 40, jitter: 0.5 } });
  live.start();
  const times = [];
  for (let i = 0; i < 5; i++) {
    await until(() => net.sockets.length === i + 1, `attempt ${i + 1}`);
    times.push(performance.now());
    net.last().drop(1006);
  }
  eq(states.at(-1), State.OFFLINE, 'offline');
  check(states.includes(State.RECONNECTING), 'reconnecting first');
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  check(gaps[3] >= gaps[0], `delays grow: ${gaps.map(Math.round)}`);
  await until(() => net.sockets.length === 6, 'still trying');
  net.last().frame(welcome(1));
  eq(states.at(-1), State.CONNECTED, 'connected when the server answers');
  live.stop();
});

test('LiveBoard: -1 asks for a snapshot, which gives the whole state', async () => {
  const net = fakeNet();
  const { live, events } = newLive(net);
  live.start();
  await until(() => net.last()?.sent.length === 1, 'hello');
  eq(net.last().sent[0].seq, -1, 'hello with -1');
  net.last().frame(welcome(5));
  net.last().frame({ t: 'snapshot', board: { format: 'lastmile', version: 1, id: 'b1', title: 'T', seq: 5, stages: [], lanes: [], cards: [], teams: [], links: [] } });
  eq([live.seq, live.view()?.title], [5, 'T'], 'state from the snapshot');
  eq(events.filter(([t]) => t === 'change').map(([, d]) => d.snapshot), [true], 'change event');
  live.stop();
});

// --- the protocol, as internal/protocol defines it -----------------------------------

// canon returns v with the keys of its objects sorted: what a frame says, whatever the
// order its writer put the keys in.
const canon = (v) => {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
};

test('protocol: the limits and vocabularies are the domain\'s (protocol.Vocabulary)', (input) => {
  const v = input.vocabulary;
  eq(ProtocolVersion, v.version, 'ProtocolVersion');
  eq(canon(Limits), canon(v.limits), 'Limits');
  eq(ACTIONS, v.actions, 'ACTIONS');
  eq(canon(ALLOWED_FIELDS), canon(v.fields), 'ALLOWED_FIELDS');
  eq(LANE_ROLES, v.laneRoles, 'LANE_ROLES');
  eq(CARD_KINDS, v.cardKinds, 'CARD_KINDS');
  eq(LINK_KINDS, v.linkKinds, 'LINK_KINDS');
  eq(LINK_STATUSES, v.linkStatuses, 'LINK_STATUSES');
  eq(SEVERITIES, v.severities, 'SEVERITIES');
  eq(FRICTION_KINDS, v.frictionKinds, 'FRICTION_KINDS');
  eq(TIMER_ACTIONS, v.timerActions, 'TIMER_ACTIONS');
  eq(EVIDENCE_LEVELS, v.evidenceLevels, 'EVIDENCE_LEVELS');
  eq(MILESTONES, v.milestones, 'MILESTONES');
  eq(DIGITS, v.orderDigits, 'DIGITS (order keys)');
  eq(canon(Code), canon(v.codes), 'Code (error and nack frames)');
  eq(canon(Close), canon(v.close), 'Close (close codes)');
  // What live-core.js checks without naming a limit.
  eq([validID('i'.repeat(v.limits.idLen)), validID('i'.repeat(v.limits.idLen + 1))], [true, false], 'ids up to idLen');
  const emotion = (e) => {
    try {
      validateOp({ op: 'update', type: 'card', id: 'c1', fields: { emotion: e } });
      return true;
    } catch {
      return false;
    }
  };
  eq([v.limits.emotionMin - 1, v.limits.emotionMin, v.limits.emotionMax, v.limits.emotionMax + 1].map(emotion),
    [false, true, true, false], 'emotion from emotionMin to emotionMax');
});

test('protocol: LiveBoard stops after the close codes the protocol says, reconnects after the others', async (input) => {
  const v = input.vocabulary;
  for (const code of [...Object.values(v.close), 1006]) {
    const net = fakeNet();
    const { live, states } = newLive(net, { seq: 1 });
    live.start();
    await until(() => net.last()?.sent.length === 1, `hello before close ${code}`);
    net.last().frame(welcome(1));
    net.last().drop(code);
    eq(states.at(-1), v.reload.includes(code) ? State.RELOAD : State.RECONNECTING, `state after close ${code}`);
    live.stop();
  }
});

// exampleKeys returns the client keys of the example frames' client, whose next key is
// that of the example's first op.
function exampleKeys(input) {
  const first = input.frames['client-ops'].ops[0].key;
  const [id, n] = first.split(':');
  const storage = memStorage();
  storage.setItem('lastmile.client', JSON.stringify({ id, n: Number(n) - 1, open: false }));
  return new ClientKeys(storage);
}

test('protocol: LiveBoard sends the example frames and reads the server\'s (internal/protocol/testdata/frames)', async (input) => {
  const fr = input.frames;
  const hello = fr['client-hello'];
  const net = fakeNet();
  const { live, states, events } = newLive(net, { boardId: fr['server-welcome'].board, name: hello.name, seq: hello.seq, keys: exampleKeys(input) });
  live.start();
  await until(() => net.last()?.sent.length === 1, 'hello sent');
  const ws = net.last();
  eq(canon(ws.sent[0]), canon(hello), 'the hello is client-hello');

  // Ops made before the welcome go in one frame once welcomed.
  const submitted = fr['client-ops'].ops.map(({ key, ...op }) => live.submit(op));
  eq(submitted, fr['client-ops'].ops.map((o) => o.key), 'the keys of the example ops');
  ws.frame(fr['server-welcome']);
  eq([states.at(-1), live.connID], [State.CONNECTED, fr['server-welcome'].conn], 'welcome: connected, with its conn');
  eq(canon([...live.peers.values()]), canon(fr['server-welcome'].peers), 'welcome: the peers');
  eq(canon(ws.framesOf('ops')), [canon(fr['client-ops'])], 'the pending ops are client-ops');

  ws.frame(fr['server-snapshot']);
  const board = fr['server-snapshot'].board;
  eq([live.seq, toExport(live.replica.confirmed)], [board.seq, toExport(fromExport(board))], 'snapshot: the board');

  ws.frame(fr['server-ops']);
  const committed = fr['server-ops'].ops;
  eq(live.seq, committed.at(-1).seq, 'ops: the sequence');
  eq(live.replica.pending.map((p) => p.key), [fr['server-nack'].key], 'ops: the broadcast confirms its op');
  check(live.view()?.cards.has(committed[0].op.id), 'ops: the created card is there');

  ws.frame(fr['server-nack']);
  const nack = events.find(([t]) => t === 'nack')?.[1];
  const { t, ...said } = fr['server-nack'];
  eq(canon({ key: nack?.key, id: nack?.id, code: nack?.code, message: nack?.message }), canon(said), 'nack: reported as sent');
  eq(live.replica.pending.length, 0, 'nack: the op is dropped');

  const presence = fr['client-presence'];
  live.setPresence({ cursor: presence.cursor, editing: presence.editing });
  await until(() => ws.framesOf('presence').length === 1, 'presence sent');
  eq(canon(ws.framesOf('presence')[0]), canon(presence), 'the presence is client-presence');

  ws.frame(fr['server-peers']);
  const peers = fr['server-peers'];
  eq(canon([...live.peers.values()]), canon(peers.peers), 'peers: the entries replace those held; an unknown left is ignored');

  ws.frame(fr['server-error']);
  eq(events.find(([type]) => type === 'error')?.[1], { code: fr['server-error'].code, message: fr['server-error'].message }, 'error: reported');
  ws.drop(Close.POLICY);
  eq(states.at(-1), fr['server-error'].code === Code.VERSION ? State.RELOAD : State.RECONNECTING, 'error: then the close');
  live.stop();

  // A resend of an op applied before: the ack confirms it.
  const net2 = fakeNet();
  const again = newLive(net2, { seq: hello.seq, keys: exampleKeys(input) }).live;
  again.start();
  await until(() => net2.last()?.sent.length === 1, 'hello sent again');
  const first = fr['client-ops'].ops[0];
  const { key: _, ...op } = first;
  again.submit(op);
  net2.last().frame(fr['server-welcome']);
  net2.last().frame(fr['server-snapshot']);
  eq(again.replica.pending.map((p) => p.key), [fr['server-ack'].key], 'pending before the ack');
  net2.last().frame(fr['server-ack']);
  eq(again.replica.pending.length, 0, 'ack: the op is confirmed');
  again.stop();
});

// --- following, summoning and the spotlight (docs/facilitation.md) --------------------

test('protocol: the bounds of a view are the server\'s (protocol.Vocabulary view), and the zoom\'s', (input) => {
  const v = input.vocabulary.view;
  eq(canon(VIEW_LIMITS), canon(v), 'VIEW_LIMITS');
  eq([MIN_ZOOM, MAX_ZOOM], [v.minZoom, v.maxZoom], 'zoom.js MIN_ZOOM, MAX_ZOOM');
});

test('protocol: LiveBoard sends the example frames of following and reads the server\'s', async (input) => {
  const fr = input.frames;
  const net = fakeNet();
  const { live } = newLive(net, { boardId: fr['server-welcome'].board });
  const got = [];
  for (const type of ['followview', 'summon', 'facilitation', 'peers']) live.addEventListener(type, (e) => got.push([type, e.detail]));
  live.start();
  await until(() => net.last()?.sent.length === 1, 'hello sent');
  const ws = net.last();
  ws.frame(fr['server-welcome']);
  live.follow(fr['client-follow'].conn);
  live.shareView(fr['client-view'].view);
  live.summon(fr['client-summon'].view);
  live.facilitate({ focus: fr['client-facilitate.focus'].focus });
  eq(canon(ws.sent.slice(1)), canon([fr['client-follow'], fr['client-view'], fr['client-summon'], fr['client-facilitate.focus']]),
    'follow, view, summon and focus are the example frames');
  ws.frame(fr['server-view']);
  ws.frame(fr['server-summon']);
  ws.frame(fr['server-facilitation.focus']);
  const { following: _f, ...unfollowing } = fr['server-peers.following'].peers[0];
  ws.frame({ t: 'peers', peers: [unfollowing] });
  ws.frame(fr['server-peers.following']);
  const { t: _v, ...view } = fr['server-view'];
  const { t: _s, ...summon } = fr['server-summon'];
  eq(canon(got.filter(([t]) => t === 'followview').map(([, d]) => d)), [canon(view)], 'view: told as followview');
  eq(canon(got.filter(([t]) => t === 'summon').map(([, d]) => d)), [canon(summon)], 'summon: told');
  eq(live.facilitation?.focus, fr['server-facilitation.focus'].facilitation.focus, 'facilitation: the focus');
  const entry = fr['server-peers.following'].peers[0];
  eq(canon(live.peers.get(entry.conn)), canon(entry), 'peers: the following and the person kept');
  eq(got.at(-1)?.[0], 'peers', 'a change of whom one follows is told as peers, not as cursors');
  live.stop();
});

window.coreTests = {
  async run(input) {
    for (const [name, fn] of tests) {
      current = name;
      try {
        await fn(input);
      } catch (err) {
        check(false, `threw ${err?.stack ?? err}`);
      }
    }
    window.__coreResults = results;
    return results;
  },
};
window.coreTestsReady = true;
