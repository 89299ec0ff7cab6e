// undo.js — the ops that undo an op, computed from the board state before it. Pure: no
// DOM, no network; the editor keeps the results on its undo and redo stacks.
//
// A delete is undone by creating again what it removed, cascades included: deleting a
// stage or a lane removes its cards and their links; deleting a card removes its links;
// deleting a team clears it from cards and links. An update is undone by an update
// setting back the fields it changed; a create by a delete.

const FIELDS = {
  stage: ['name', 'order'],
  lane: ['role', 'label', 'order', 'hidden'],
  card: ['stage', 'lane', 'order', 'text', 'team', 'kind', 'active_minutes', 'wait_minutes', 'detail', 'emotion'],
  team: ['name', 'color'],
  link: ['kind', 'from', 'to', 'critical', 'status', 'owner'],
};

const COLLECTION = { stage: 'stages', lane: 'lanes', card: 'cards', team: 'teams', link: 'links' };

/**
 * inverseOps returns the ops that undo op on state s (a live-core state: maps of stages,
 * lanes, cards, teams and links), or [] when there is nothing to undo (the op would fail,
 * or s does not hold what it changes).
 * @param {object|null} s
 * @param {{op: string, type: string, id: string, fields?: object}} op
 * @returns {object[]}
 */
export function inverseOps(s, op) {
  if (!s) return [];
  if (op.type === 'board') {
    if (op.op !== 'update' || op.fields?.title == null) return [];
    return [{ op: 'update', type: 'board', id: op.id, fields: { title: s.title } }];
  }
  const coll = COLLECTION[op.type];
  if (!coll) return [];
  const before = s[coll].get(op.id);
  switch (op.op) {
    case 'create':
      return before ? [] : [{ op: 'delete', type: op.type, id: op.id }];
    case 'update': {
      if (!before) return [];
      const fields = {};
      for (const k of Object.keys(op.fields ?? {})) {
        if (op.fields[k] !== undefined && op.fields[k] !== null) fields[k] = before[k];
      }
      return Object.keys(fields).length ? [{ op: 'update', type: op.type, id: op.id, fields }] : [];
    }
    case 'delete':
      return before ? recreate(s, op.type, before) : [];
    default:
      return [];
  }
}

// recreate returns the ops that create again what deleting entity (of type) removes.
function recreate(s, type, entity) {
  const ops = [createOp(type, entity)];
  let cards = [];
  if (type === 'stage') cards = [...s.cards.values()].filter((c) => c.stage === entity.id);
  if (type === 'lane') cards = [...s.cards.values()].filter((c) => c.lane === entity.id);
  if (type === 'card') cards = [entity];
  if (type !== 'card') for (const c of cards) ops.push(createOp('card', c));
  if (cards.length) {
    const gone = new Set(cards.map((c) => c.id));
    for (const l of s.links.values()) {
      if (gone.has(l.from) || gone.has(l.to)) ops.push(createOp('link', l));
    }
  }
  if (type === 'team') {
    for (const c of s.cards.values()) {
      if (c.team === entity.id) ops.push({ op: 'update', type: 'card', id: c.id, fields: { team: entity.id } });
    }
    for (const l of s.links.values()) {
      if (l.owner === entity.id) ops.push({ op: 'update', type: 'link', id: l.id, fields: { owner: entity.id } });
    }
  }
  return ops;
}

// createOp returns the create of entity with every field it has that is not empty.
function createOp(type, entity) {
  const fields = {};
  for (const k of FIELDS[type]) {
    const v = entity[k];
    if (v === undefined || v === null || v === '' || v === 0 || v === false) continue;
    fields[k] = v;
  }
  if (type === 'card' && !fields.kind) fields.kind = 'note';
  return { op: 'create', type, id: entity.id, fields };
}
