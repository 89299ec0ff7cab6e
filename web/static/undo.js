// undo.js — per-person undo: what takes back one's own op, and how much of it still may.
// Pure: no DOM, no network; the editor keeps the steps on its undo and redo stacks and
// says what planStep decided. The rules, and why, are in docs/undo.md.
//
// An op is taken back by guarded ops: an op to send, with what the entity must still hold
// for it to apply, that is the values the person's op gave it. An update is undone by an
// update setting back the fields it changed; a create by a delete; a delete by creating
// again what it removed, cascades included: deleting a stage or a lane removes its cards
// and their links; deleting a card removes its links; deleting a team clears it from
// cards and links. A redo is the undo of an undo, guarded the same way.
//
// A step (one edit, or several made at once) is planned when it is undone, on the state of
// that moment: a field someone else changed since keeps their value, an entity someone
// else changed is not deleted, nothing is created where what it belongs to is gone; the
// rest of the step applies, and what was skipped says who changed what.

import { ALLOWED_FIELDS, applyOp, cloneState, entityOf, fill, isZero, isolate, same } from './live-core.js';

const FIELDS = {
  stage: ALLOWED_FIELDS.stage,
  lane: ['role', 'label', 'order', 'hidden'],
  card: ALLOWED_FIELDS.card,
  team: ['name', 'color'],
  link: ALLOWED_FIELDS.link,
};

const COLLECTION = { stage: 'stages', lane: 'lanes', card: 'cards', team: 'teams', link: 'links' };

// PART names what a sentence speaks of, by field: the texts are "what" + type + part
// (whatCardText: "this card's text"). Fields of one part are restored together or not
// at all: a card goes back to its cell and place, never to its old order in a new cell.
const PART = {
  board: {
    title: 'title', launch_candidate: 'launch', launch_date: 'launch', problem: 'problem', daily_users: 'users',
    minimum_useful: 'minimum', deadline: 'deadline', check_in: 'checkin',
  },
  stage: { name: 'name', order: 'place', entered: 'volumes', completed: 'volumes' },
  lane: { role: 'role', label: 'label', order: 'place', hidden: 'shown' },
  card: {
    stage: 'place', lane: 'place', order: 'place', text: 'text', detail: 'detail', team: 'team', kind: 'kind',
    active_minutes: 'times', wait_minutes: 'times', active_minutes_max: 'times', wait_minutes_max: 'times',
    emotion: 'emotion', evidence: 'evidence', manual: 'manual', milestone: 'milestone',
  },
  team: { name: 'name', color: 'color' },
  link: {
    kind: 'kind', critical: 'critical', status: 'status', owner: 'owner', holder: 'owner', risk: 'risk',
    ack_from: 'ackfrom', ack_to: 'ackto',
  },
};

// REFS are the fields that name another entity: [field, its type, the part a sentence
// names when it is gone, whether the entity can do without it].
const REFS = {
  card: [['stage', 'stage', 'stage', false], ['lane', 'lane', 'lane', false], ['team', 'team', 'team', true]],
  link: [['from', 'card', 'card', false], ['to', 'card', 'card', false], ['owner', 'team', 'owner', true]],
};

/**
 * inverseOps returns the ops that undo op on state s (a live-core state: maps of stages,
 * lanes, cards, teams and links), or [] when there is nothing to undo (the op would fail,
 * or s does not hold what it changes). They are undoOf's ops without their guards.
 * @param {object|null} s
 * @param {{op: string, type: string, id: string, fields?: object}} op
 * @returns {object[]}
 */
export function inverseOps(s, op) {
  return undoOf(s, op).map((g) => g.op);
}

/**
 * undoOf returns what undoes op, made on state s (the state before it): guarded ops
 * {op, expect, by}, in the order to send them. expect is what the entity must hold for op
 * to apply: for an update, the values op's fields must still have; for a delete (of what
 * op created), every field of the entity as op created it; null for a create (of what op
 * deleted), which applies where the entity is absent. by names who made the values op
 * puts back ({field: name or null}, from origins, live-core's Origins, when given), so
 * that once put back they are still theirs. [] when there is nothing to undo.
 * @param {object|null} s
 * @param {{op: string, type: string, id: string, fields?: object}} op
 * @param {import('./live-core.js').Origins|null} [origins]
 * @returns {{op: object, expect: object|null, by: object|null}[]}
 */
export function undoOf(s, op, origins = null) {
  if (!s || (op.type !== 'board' && !COLLECTION[op.type])) return [];
  const before = entityIn(s, op.type, op.id);
  let out;
  switch (op.op) {
    case 'create': {
      if (before || op.type === 'board') return [];
      const { id, ...expect } = entityOf(op.type, op.id, op.fields);
      return [{ op: { op: 'delete', type: op.type, id }, expect, by: null }];
    }
    case 'update':
      out = before ? updateUndo(op, before) : [];
      break;
    case 'delete':
      out = before && op.type !== 'board' ? recreate(s, op.type, before) : [];
      break;
    default:
      return [];
  }
  for (const g of out) {
    g.by = origins ? Object.fromEntries(Object.keys(g.op.fields).map((k) => [k, origins.field(g.op.type, g.op.id, k)])) : null;
  }
  return out;
}

// updateUndo returns the update setting back what op changes on the entity before, with
// the values op sets as its guard. A part is taken whole: moving a card within a stage
// names its stage too, which must still be the same for the card to go back.
function updateUndo(op, before) {
  const set = Object.keys(op.fields ?? {}).filter((k) => op.fields[k] != null && k in before);
  const changed = set.filter((k) => !same(before[k], op.fields[k]));
  if (changed.length === 0) return [];
  const parts = new Set(changed.map((k) => PART[op.type][k]));
  const fields = {};
  const expect = {};
  for (const k of Object.keys(PART[op.type])) {
    if (!parts.has(PART[op.type][k])) continue;
    fields[k] = before[k];
    expect[k] = set.includes(k) ? op.fields[k] : before[k];
  }
  return [{ op: { op: 'update', type: op.type, id: op.id, fields }, expect }];
}

// recreate returns the guarded ops that create again what deleting entity (of type)
// removes, and give a deleted team back to the cards and links that had it, where the
// delete's cascade left them without a team.
function recreate(s, type, entity) {
  const out = [{ op: createOp(type, entity), expect: null }];
  let cards = [];
  if (type === 'stage') cards = [...s.cards.values()].filter((c) => c.stage === entity.id);
  if (type === 'lane') cards = [...s.cards.values()].filter((c) => c.lane === entity.id);
  if (type === 'card') cards = [entity];
  if (type !== 'card') for (const c of cards) out.push({ op: createOp('card', c), expect: null });
  if (cards.length) {
    const gone = new Set(cards.map((c) => c.id));
    for (const l of s.links.values()) {
      if (gone.has(l.from) || gone.has(l.to)) out.push({ op: createOp('link', l), expect: null });
    }
  }
  if (type === 'team') {
    for (const c of s.cards.values()) {
      if (c.team === entity.id) out.push({ op: { op: 'update', type: 'card', id: c.id, fields: { team: entity.id } }, expect: { team: '' } });
    }
    for (const l of s.links.values()) {
      if (l.owner === entity.id) out.push({ op: { op: 'update', type: 'link', id: l.id, fields: { owner: entity.id } }, expect: { owner: '' } });
    }
  }
  return out;
}

// createOp returns the create of entity with every field it has that is not empty.
function createOp(type, entity) {
  const fields = {};
  for (const k of FIELDS[type]) {
    const v = entity[k];
    if (isZero(v)) continue;
    fields[k] = v;
  }
  if (type === 'card' && !fields.kind) fields.kind = 'note';
  return { op: 'create', type, id: entity.id, fields };
}

// entityIn returns the entity of type and id in s (for the board, its title), or null.
function entityIn(s, type, id) {
  if (type === 'board') return id === s.id ? { title: s.title, ...s.framing } : null;
  return s[COLLECTION[type]]?.get(id) ?? null;
}

/**
 * planStep decides what of a step (guarded ops, as undoOf makes them, in the order to
 * send) applies now to the state s (confirmed and pending), origins (live-core's Origins)
 * naming who made what s holds. It returns the ops to send, by (for each op, whose values
 * it puts back: Origins.restores) and what was skipped: {reason: 'changed' or 'deleted',
 * type, part, who}, who being a display name or '' when unknown. Each guarded op is judged on s with the ops planned before it applied:
 *   - an update restores each part whose fields still hold what the person set; a part
 *     that already reads as the undo would make it is left alone;
 *   - a delete (undoing a create) applies while every field holds what the create gave
 *     and nothing of someone else hangs on the entity (links to a card, cards in a stage,
 *     lane or team), since its cascade would take them too;
 *   - a create (undoing a delete) applies while what the entity belongs to exists (a
 *     card's stage and lane, a link's cards); a gone team is left out of it.
 * What is already as the undo would make it (gone, or there) is neither sent nor reported.
 * Without a state (the page has not received the board, so it knows of no one else's
 * change) the step applies as it was recorded.
 * @param {object|null} s
 * @param {import('./live-core.js').Origins} origins
 * @param {{op: object, expect: object|null}[]} step
 * @returns {{ops: object[], by: (object|null)[], skipped: {reason: string, type: string, part: string, who: string}[]}}
 */
export function planStep(s, origins, step) {
  if (!s) return { ops: step.map((g) => g.op), by: step.map((g) => g.by), skipped: [] };
  const work = cloneState(s);
  const plan = { ops: [], by: [], skipped: [] };
  const left = new Set(); // ids of what this plan does not create again
  for (const g of step) {
    const op = judge(work, origins, g, plan.skipped, left);
    // An op that does not apply on what is planned would be refused by the server.
    if (op && applyOp(work, op) === null) {
      plan.ops.push(op);
      plan.by.push(g.by);
    } else if (g.op.op === 'create') {
      left.add(g.op.id);
    }
  }
  return plan;
}

// judge returns what of the guarded op g applies to s, or null, and adds what it skips to
// skipped. What needs an entity of left, which the plan leaves out for a reason given
// already (a link to a card that is not brought back), is skipped without another.
function judge(s, origins, { op, expect }, skipped, left) {
  const skip = (reason, part, type, who) => {
    skipped.push({ reason, type, part, who: who ?? '' });
    return null;
  };
  const cur = entityIn(s, op.type, op.id);
  if (op.op === 'create') {
    if (cur) return null;
    const fields = { ...op.fields };
    for (const [k, type, part, optional] of REFS[op.type] ?? []) {
      if (!fields[k] || entityIn(s, type, fields[k])) continue;
      if (left.has(fields[k])) return null;
      skip('deleted', part, op.type, origins.deleted(type, fields[k]));
      if (!optional) return null;
      delete fields[k];
    }
    return { ...op, fields };
  }
  if (op.op === 'delete') {
    if (!cur) return null;
    const k = Object.keys(expect).find((f) => !same(cur[f], expect[f]));
    if (k !== undefined) return skip('changed', PART[op.type][k] ?? 'self', op.type, origins.field(op.type, op.id, k));
    const dep = hanging(s, origins, op.type, op.id);
    return dep ? skip('changed', dep.part, op.type, dep.who) : op;
  }
  // An update.
  if (!cur) return skip('deleted', 'self', op.type, origins.deleted(op.type, op.id));
  const fields = {};
  const byPart = new Map();
  for (const k of Object.keys(op.fields)) byPart.set(PART[op.type][k], [...(byPart.get(PART[op.type][k]) ?? []), k]);
  for (const [part, keys] of byPart) {
    if (keys.every((k) => same(cur[k], op.fields[k]))) continue;
    const k = keys.find((f) => !same(cur[f], expect[f]));
    if (k !== undefined) {
      skip('changed', part, op.type, origins.field(op.type, op.id, k));
      continue;
    }
    const gone = (REFS[op.type] ?? []).find(([f, type]) => keys.includes(f) && op.fields[f] && !entityIn(s, type, op.fields[f]));
    if (gone) {
      skip('deleted', gone[2], op.type, origins.deleted(gone[1], op.fields[gone[0]]));
      continue;
    }
    for (const f of keys) fields[f] = op.fields[f];
  }
  return Object.keys(fields).length ? { ...op, fields } : null;
}

// hanging returns what of someone else would go with the entity if it were deleted now
// ({part, who}), or null: the links of a card, the cards of a stage or lane, the cards
// and links a team owns. The person's own such things were undone before, being later
// steps; what is left belongs to others, or to steps that could not be undone.
function hanging(s, origins, type, id) {
  if (type === 'card') {
    const l = [...s.links.values()].find((x) => x.from === id || x.to === id);
    return l ? { part: 'links', who: origins.field('link', l.id, 'from') } : null;
  }
  if (type === 'stage' || type === 'lane') {
    const c = [...s.cards.values()].find((x) => x[type] === id);
    return c ? { part: 'cards', who: origins.field('card', c.id, type) } : null;
  }
  if (type === 'team') {
    const c = [...s.cards.values()].find((x) => x.team === id);
    if (c) return { part: 'cards', who: origins.field('card', c.id, 'team') };
    const l = [...s.links.values()].find((x) => x.owner === id);
    return l ? { part: 'links', who: origins.field('link', l.id, 'owner') } : null;
  }
  return null;
}

/**
 * describe returns the sentence telling the person what an undo (which 'undo') or a redo
 * ('redo') of plan did, from the page's texts (UndoTexts' data attributes, as a dataset,
 * with the editor's undone): "Undone", or, when something was skipped, "Not undone: Bea
 * changed this card's text since." ("Partly undone: …" when the rest applied), about the
 * first thing skipped. A name is user text: it is always isolated (live-core's isolate),
 * so that no character in it can reorder the sentence around it.
 * @param {{ops: object[], skipped: object[]}} plan
 * @param {'undo'|'redo'} which
 * @param {Record<string, string|undefined>} texts
 * @returns {string}
 */
export function describe(plan, which, texts) {
  const done = which === 'undo' ? 'Undone' : 'Redone';
  if (plan.skipped.length === 0) return texts[done.toLowerCase()] ?? '';
  const s = plan.skipped[0];
  const outcome = plan.ops.length > 0 ? 'partly' : 'not';
  const sentence = texts[`${outcome}${done}${cap(s.reason)}`] ?? '';
  const what = texts[`what${cap(s.type)}${cap(s.part)}`] ?? '';
  return fill(sentence, { name: s.who ? isolate(s.who) : (texts.someone ?? ''), what });
}

function cap(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
