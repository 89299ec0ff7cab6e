// live-core.js — the pure logic of a live board: a replica of the board's state with the
// ops not yet confirmed by the server, how an op applies (the rules of
// internal/blueprint/apply.go), fractional order keys (internal/blueprint/order.go), and
// the client's idempotency keys. No DOM, no network: live.js does the transport, and the
// browser tests run this module alone. The protocol is described in docs/protocol.md.

// The codes of error and nack frames, as the server names them (internal/protocol; the
// browser tests compare these values and those below with it).
export const Code = Object.freeze({
  INVALID: 'invalid',
  NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  FORBIDDEN: 'forbidden',
  TOO_LARGE: 'too_large',
  UNAVAILABLE: 'unavailable',
  INTERNAL: 'internal',
  LOCKED: 'locked',
  VERSION: 'version',
  PROTOCOL: 'protocol',
});

/** LiveError is a refusal with a code and a message, as the server's coded errors. */
export class LiveError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'LiveError';
    this.code = code;
  }
}

// Limits of internal/blueprint/op.go.
export const Limits = Object.freeze({
  idLen: 64,
  keyLen: 128,
  nameLen: 200,
  textLen: 4000,
  detailLen: 10000,
  minutes: 525600,
  emotionMin: -2,
  emotionMax: 2,
  stages: 200,
  lanes: 50,
  cards: 5000,
  teams: 100,
  links: 5000,
  opsPerBatch: 500,
  orderLen: 128,
  // The annotations' (internal/blueprint/annotation.go); a comment's text is textLen long.
  markerTextLen: 500,
  evidenceLen: 2000,
  resolutionLen: 500,
  mentions: 20,
  comments: 10000,
  markers: 5000,
  plusOnes: 1000,
  // The analysis fields' (internal/blueprint/launch.go).
  volume: 1000000000,
  dailyUsers: 3,
  problemLen: 500,
  minimumLen: 2000,
  reasonLen: 500,
  // The longest a facilitator's timer lasts, in minutes (internal/blueprint/facilitation.go).
  timerMinutes: 120,
});

export const ACTIONS = ['create', 'update', 'delete'];
export const LANE_ROLES = ['physical_evidence', 'customer_actions', 'frontstage', 'backstage', 'support',
  'emotion', 'time', 'metrics', 'policies', 'pain_points', 'opportunities', 'custom'];
export const CARD_KINDS = ['note', 'touchpoint', 'action', 'process', 'system', 'pain_point', 'opportunity',
  'metric', 'policy', 'emotion'];
export const LINK_KINDS = ['handoff', 'dependency'];
export const LINK_STATUSES = ['open', 'agreed', 'resolved'];
export const EVIDENCE_LEVELS = ['observed', 'assumed', 'to_verify'];
export const MILESTONES = ['first_contact', 'value_moment'];
// A friction marker's severities, least severe first, and kinds of friction.
export const SEVERITIES = ['low', 'medium', 'high', 'blocking'];
// The actions on the facilitator's timer (a facilitate frame's timer.action).
export const TIMER_ACTIONS = ['start', 'pause', 'resume', 'add', 'stop'];
export const FRICTION_KINDS = ['waiting', 'rework', 'manual', 'missing_info', 'handoff_gap', 'tool_gap', 'other'];
// Annotation op types: they change the state's comments and markers, never the board.
export const ANNOTATION_TYPES = ['comment', 'marker', 'plusone'];

export const ALLOWED_FIELDS = {
  board: ['title', 'launch_candidate', 'launch_date', 'problem', 'daily_users', 'minimum_useful', 'deadline', 'check_in'],
  stage: ['name', 'order', 'entered', 'completed'],
  lane: ['role', 'label', 'hidden', 'order'],
  card: ['stage', 'lane', 'order', 'text', 'team', 'kind', 'active_minutes', 'wait_minutes', 'detail', 'emotion',
    'active_minutes_max', 'wait_minutes_max', 'evidence', 'manual', 'milestone'],
  team: ['name', 'color'],
  link: ['kind', 'from', 'to', 'critical', 'status', 'owner', 'holder', 'risk', 'ack_from', 'ack_to'],
  comment: ['anchor', 'parent', 'text', 'mentions', 'resolved'],
  marker: ['anchor', 'severity', 'kind', 'text', 'evidence', 'resolved', 'resolution'],
  plusone: [],
};
// Collections of the state, by op type, with the most a board may hold.
const COLLECTIONS = { stage: ['stages', Limits.stages], lane: ['lanes', Limits.lanes],
  card: ['cards', Limits.cards], team: ['teams', Limits.teams], link: ['links', Limits.links] };

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;

/** validID reports whether s is a well-formed entity id. */
export function validID(s) {
  return typeof s === 'string' && ID_PATTERN.test(s);
}

// ---------------------------------------------------------------------------------------
// Order keys: fractional indexes over base-62 digits, as internal/blueprint/order.go.

export const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** validOrder reports whether key is a well-formed order key. */
export function validOrder(key) {
  if (typeof key !== 'string' || key === '' || key.length > Limits.orderLen || key.endsWith('0')) {
    return false;
  }
  for (const ch of key) {
    if (!DIGITS.includes(ch)) return false;
  }
  return true;
}

/**
 * keyBetween returns a key that sorts strictly between a and b; '' for a means "before
 * everything", '' for b "after everything". It throws a LiveError (invalid, too_large)
 * where the Go implementation returns an error.
 */
export function keyBetween(a, b) {
  return between(a, b, true);
}

function between(a, b, step) {
  if (a !== '' && !validOrder(a)) throw new LiveError(Code.INVALID, `invalid order key ${JSON.stringify(a)}`);
  if (b !== '' && !validOrder(b)) throw new LiveError(Code.INVALID, `invalid order key ${JSON.stringify(b)}`);
  if (a !== '' && b !== '' && a >= b) { // ASCII only here, so code units sort as bytes
    throw new LiveError(Code.INVALID, `order key ${JSON.stringify(a)} does not sort before ${JSON.stringify(b)}`);
  }
  let k;
  if (step && a !== '' && b === '') k = stepAfter(a);
  else if (step && a === '' && b !== '') k = stepBefore(b);
  else k = midpoint(a, b);
  if (k.length > Limits.orderLen) {
    throw new LiveError(Code.TOO_LARGE, `no order key of at most ${Limits.orderLen} digits sorts between these keys`);
  }
  return k;
}

/** keysBetween returns n ascending keys between a and b, spread evenly. */
export function keysBetween(a, b, n) {
  if (n <= 0) return [];
  if (n === 1) return [between(a, b, false)];
  const mid = between(a, b, false);
  const half = Math.floor(n / 2);
  return [...keysBetween(a, mid, half), mid, ...keysBetween(mid, b, n - half - 1)];
}

// stepAfter returns a short key after a, as blueprint's stepAfter.
function stepAfter(a) {
  if (a === '') return midpoint('', '');
  const d = DIGITS.indexOf(a[0]);
  if (d < DIGITS.length - 1) return DIGITS[d + 1];
  return a[0] + stepAfter(a.slice(1));
}

// stepBefore returns a short key before b, as blueprint's stepBefore.
function stepBefore(b) {
  const d = DIGITS.indexOf(b[0]);
  if (d > 1) return DIGITS[d - 1];
  if (d === 1) return b.length > 1 ? b[0] : `0${DIGITS[DIGITS.length - 1]}`;
  return b[0] + stepBefore(b.slice(1));
}

function midpoint(a, b) {
  if (b !== '') {
    // Skip the common prefix, padding a with zeros as we go.
    let n = 0;
    while (n < b.length && digitAt(a, n) === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const da = a !== '' ? DIGITS.indexOf(a[0]) : 0;
  const db = b !== '' ? DIGITS.indexOf(b[0]) : DIGITS.length;
  if (db - da > 1) return DIGITS[Math.floor((da + db + 1) / 2)];
  // The first digits are consecutive.
  if (b.length > 1) return b.slice(0, 1);
  return DIGITS[da] + midpoint(a.slice(1), '');
}

function digitAt(s, i) {
  return i < s.length ? s[i] : '0';
}

// ---------------------------------------------------------------------------------------
// Board state: maps of entities by id, every field present (the export omits zero values).

/**
 * compareStrings orders strings as Go does: by their UTF-8 bytes, that is by code points.
 * UTF-16 code units sort the same way except that surrogates (U+D800–U+DFFF, the halves
 * of code points above U+FFFF) must sort after U+E000–U+FFFF.
 */
export function compareStrings(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitRank(x) < unitRank(y) ? -1 : 1;
  }
  return a.length === b.length ? 0 : (a.length < b.length ? -1 : 1);
}

function unitRank(u) {
  if (u >= 0xe000) return u - 0x800;
  if (u >= 0xd800) return u + 0x2000;
  return u;
}

function byKeys(...keys) {
  return (x, y) => {
    for (const k of keys) {
      const c = compareStrings(x[k], y[k]);
      if (c !== 0) return c;
    }
    return 0;
  };
}

const stageOf = (s) => ({ id: s.id, name: s.name ?? '', order: s.order, entered: s.entered ?? 0, completed: s.completed ?? 0 });
const laneOf = (l) => ({ id: l.id, role: l.role, label: l.label ?? '', order: l.order, hidden: !!l.hidden });
const cardOf = (c) => ({
  id: c.id, stage: c.stage, lane: c.lane, order: c.order, text: c.text ?? '', team: c.team ?? '',
  kind: c.kind || 'note', active_minutes: c.active_minutes ?? 0, wait_minutes: c.wait_minutes ?? 0,
  detail: c.detail ?? '', emotion: c.emotion ?? 0, active_minutes_max: c.active_minutes_max ?? 0,
  wait_minutes_max: c.wait_minutes_max ?? 0, evidence: c.evidence ?? '', manual: !!c.manual, milestone: c.milestone ?? '',
});
const teamOf = (t) => ({ id: t.id, name: t.name, color: t.color ?? '#6b7280' });
const linkOf = (l) => ({
  id: l.id, kind: l.kind || 'handoff', from: l.from, to: l.to, critical: !!l.critical,
  status: l.status || 'open', owner: l.owner ?? '', holder: l.holder ?? '',
  risk: { by: l.risk?.by ?? '', reason: l.risk?.reason ?? '', on: l.risk?.on ?? '' },
  ack_from: { by: l.ack_from?.by ?? '', on: l.ack_from?.on ?? '' },
  ack_to: { by: l.ack_to?.by ?? '', on: l.ack_to?.on ?? '' },
});
// The board's framing and launch (Board.Framing): every field present.
const framingOf = (f) => ({
  launch_candidate: !!f?.launch_candidate, launch_date: f?.launch_date ?? '', problem: f?.problem ?? '',
  daily_users: [...(f?.daily_users ?? [])], minimum_useful: f?.minimum_useful ?? '', deadline: f?.deadline ?? '',
  check_in: f?.check_in ?? '',
});
export const FRAMING_FIELDS = ALLOWED_FIELDS.board.filter((k) => k !== 'title');

/**
 * same reports whether two values of fields are equal: strings, numbers and booleans as
 * they are, lists item by item, objects (a link's risk and acknowledgements) key by key,
 * a key absent as the empty string.
 */
export function same(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => same(a[k] ?? '', b[k] ?? ''));
  }
  return false;
}

/** isZero reports whether a field's value is its zero: what an export leaves out. */
export function isZero(v) {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v).every(isZero);
  return false;
}

function mapOf(list, make) {
  const m = new Map();
  for (const v of list ?? []) m.set(v.id, make(v));
  return m;
}

/** fromExport turns a board export (GET /api/boards/{id}, a snapshot frame) into a state. */
export function fromExport(e) {
  return {
    id: e.id ?? '', title: e.title ?? '', template: e.template ?? '', seq: e.seq ?? 0,
    stages: mapOf(e.stages, stageOf), lanes: mapOf(e.lanes, laneOf), cards: mapOf(e.cards, cardOf),
    teams: mapOf(e.teams, teamOf), links: mapOf(e.links, linkOf), framing: framingOf(e.framing),
    comments: mapOf(e.comments, commentOf), markers: mapOf(e.markers, markerOf),
  };
}

/**
 * toExport lists a state as the export does: stages and lanes by order, cards by order
 * then id, teams by name then id, links by id. Every field is present.
 */
export function toExport(s) {
  const list = (m, make, cmp) => [...m.values()].map(make).sort(cmp);
  return {
    format: 'lastmile', version: 2, id: s.id, title: s.title, template: s.template, seq: s.seq,
    stages: list(s.stages, stageOf, byKeys('order', 'id')),
    lanes: list(s.lanes, laneOf, byKeys('order', 'id')),
    cards: list(s.cards, cardOf, byKeys('order', 'id')),
    teams: list(s.teams, teamOf, byKeys('name', 'id')),
    links: list(s.links, linkOf, byKeys('id')),
    framing: framingOf(s.framing),
    ...annotationsOf(s),
  };
}

/** cloneState returns a deep copy of a state. */
export function cloneState(s) {
  const copy = (m) => new Map([...m].map(([id, v]) => [id, { ...v }]));
  const deep = (m, make) => new Map([...(m ?? new Map())].map(([id, v]) => [id, make(v)]));
  return { ...s, stages: copy(s.stages), lanes: copy(s.lanes), cards: copy(s.cards), teams: copy(s.teams), links: copy(s.links),
    comments: deep(s.comments, commentOf), markers: deep(s.markers, markerOf) };
}

// ---------------------------------------------------------------------------------------
// Ops: validation (Op.Validate) and application (Board.Apply).

const runeCount = (s) => [...s].length;
const utf8Len = (s) => new TextEncoder().encode(s).length;
const isInt = (v) => Number.isInteger(v);

/** validateOp checks an op's shape without looking at any board; it throws a LiveError. */
export function validateOp(op) {
  const bad = (msg, code = Code.INVALID) => { throw new LiveError(code, msg); };
  if (!op || typeof op !== 'object') bad('an op is an object');
  if (!ACTIONS.includes(op.op)) {
    bad(op.op ? `unknown op ${JSON.stringify(op.op)}: expected create, update or delete` : 'the op is missing "op" (create, update or delete)');
  }
  const allowed = ALLOWED_FIELDS[op.type];
  if (!allowed) bad(op.type ? `unknown type ${JSON.stringify(op.type)}` : 'the op is missing "type"');
  if (op.key !== undefined && (typeof op.key !== 'string' || utf8Len(op.key) > Limits.keyLen)) {
    bad(`the key is longer than ${Limits.keyLen} bytes`);
  }
  if (!validID(op.id)) bad(op.id ? `invalid id ${JSON.stringify(op.id)}` : 'the op is missing "id"');
  if (op.type === 'board' && op.op !== 'update') bad('a board can only be updated by an op');
  const f = op.fields ?? {};
  const names = Object.keys(f).filter((k) => f[k] !== undefined && f[k] !== null);
  if (op.op === 'delete' && names.length > 0) bad('a delete op takes no fields');
  if (op.op === 'update' && names.length === 0) bad('an update op must set at least one field');
  for (const n of names) {
    if (!allowed.includes(n)) bad(`a ${op.type} has no field ${JSON.stringify(n)}`);
  }
  if (op.op === 'update' && op.type === 'link' && (names.includes('from') || names.includes('to'))) {
    bad("a link's ends cannot change: delete it and draw a new one");
  }
  const str = (name) => f[name] !== undefined && f[name] !== null;
  for (const [name, max] of [['title', Limits.nameLen], ['name', Limits.nameLen], ['label', Limits.nameLen],
    ['text', Limits.textLen], ['detail', Limits.detailLen]]) {
    if (!str(name)) continue;
    if (typeof f[name] !== 'string') bad(`field ${JSON.stringify(name)} must be a string`);
    const n = runeCount(f[name]);
    if (n > max) bad(`${name} is ${n} characters long; the limit is ${max}`, Code.TOO_LARGE);
    if (f[name].includes('\0')) bad(`${name} contains a NUL character`);
  }
  if (str('role') && !LANE_ROLES.includes(f.role)) bad(`unknown lane role ${JSON.stringify(f.role)}`);
  if (str('order') && !validOrder(f.order)) bad(`invalid order key ${JSON.stringify(f.order)}`);
  for (const [name, zero] of [['stage', false], ['lane', false], ['team', true], ['from', false], ['to', false], ['owner', true]]) {
    if (!str(name) || (zero && f[name] === '')) continue;
    if (!validID(f[name])) bad(`invalid ${name} id ${JSON.stringify(f[name])}`);
  }
  if (str('kind') && !CARD_KINDS.includes(f.kind) && !LINK_KINDS.includes(f.kind) && !FRICTION_KINDS.includes(f.kind)) {
    bad(`unknown kind ${JSON.stringify(f.kind)}`);
  }
  for (const name of ['active_minutes', 'wait_minutes']) {
    if (str(name) && (!isInt(f[name]) || f[name] < 0 || f[name] > Limits.minutes)) bad(`${name} must be between 0 and ${Limits.minutes}`);
  }
  if (str('emotion') && (!isInt(f.emotion) || f.emotion < Limits.emotionMin || f.emotion > Limits.emotionMax)) {
    bad('emotion must be between -2 and +2');
  }
  if (str('color') && !COLOR_PATTERN.test(f.color)) bad(`invalid colour ${JSON.stringify(f.color)}: use #rrggbb`);
  if (str('status') && !LINK_STATUSES.includes(f.status)) bad(`unknown link status ${JSON.stringify(f.status)}`);
  for (const name of ['hidden', 'critical', 'launch_candidate', 'manual']) {
    if (str(name) && typeof f[name] !== 'boolean') bad(`field ${JSON.stringify(name)} must be true or false`);
  }
  validateAnalysis(op, f, str, bad);
  if (ANNOTATION_TYPES.includes(op.type)) validateAnnotation(op, f, str, bad);
}

// ---------------------------------------------------------------------------------------
// Annotations: comments, friction markers and +1s (internal/blueprint/annotation.go).
// They live in the state's comments and markers, in the shapes of the export's: the board
// ops, their cascades and undo never touch them. An annotation op applies as made by its
// origin ({seq, by, author, at}: a committed op's, or the page's own person for a pending
// op), which it stamps on what it makes.

const PERSON_PATTERN = /^[ugc]:[A-Za-z0-9_-]{1,64}$/;
const ANCHOR_KEYS = ['card', 'link', 'stage', 'lane'];

/** anchorKind says what an anchor names: card, link, stage, cell, or '' for none. */
export function anchorKind(a) {
  if (!a || typeof a !== 'object') return '';
  const set = ANCHOR_KEYS.filter((k) => a[k]);
  const only = (...keys) => set.length === keys.length && keys.every((k) => set.includes(k));
  if (only('card')) return 'card';
  if (only('link')) return 'link';
  if (only('stage', 'lane')) return 'cell';
  if (only('stage')) return 'stage';
  return '';
}

/** anchorString writes an anchor as the JSON API does: card:c1, link:k1, stage:s1, cell:s1/l1. */
export function anchorString(a) {
  const kind = anchorKind(a);
  if (kind === 'cell') return `cell:${a.stage}/${a.lane}`;
  return kind ? `${kind}:${a[kind]}` : '';
}

/** anchorExists says whether what an anchor names is on the board (else: "on a deleted card"). */
export function anchorExists(s, a) {
  switch (anchorKind(a)) {
    case 'card': return s.cards.has(a.card);
    case 'link': return s.links.has(a.link);
    case 'stage': return s.stages.has(a.stage);
    case 'cell': return s.stages.has(a.stage) && s.lanes.has(a.lane);
    default: return false;
  }
}

// The shapes of the export: what Go omits when empty is absent.
const anchorOf = (a) => Object.fromEntries(ANCHOR_KEYS.filter((k) => a?.[k]).map((k) => [k, a[k]]));
const withSet = (o, extra) => {
  for (const [k, v] of Object.entries(extra)) {
    if (v !== undefined && v !== null && v !== '' && v !== 0 && v !== false && !(Array.isArray(v) && v.length === 0)) o[k] = v;
  }
  return o;
};
function commentOf(c) {
  const o = { id: c.id, anchor: anchorOf(c.anchor) };
  withSet(o, { parent: c.parent });
  o.text = c.text ?? '';
  withSet(o, { mentions: c.mentions ? [...c.mentions] : undefined });
  Object.assign(o, { seq: c.seq ?? 0, by: c.by ?? '', author: c.author ?? '', at: c.at ?? 0 });
  return withSet(o, { edited_at: c.edited_at, resolved: c.resolved, resolved_by: c.resolved_by, resolver: c.resolver,
    resolved_at: c.resolved_at, deleted: c.deleted });
}
function markerOf(m) {
  const o = { id: m.id, anchor: anchorOf(m.anchor), severity: m.severity, kind: m.kind, text: m.text ?? '' };
  withSet(o, { evidence: m.evidence });
  Object.assign(o, { seq: m.seq ?? 0, by: m.by ?? '', author: m.author ?? '', at: m.at ?? 0 });
  return withSet(o, { edited_at: m.edited_at, plus_ones: m.plus_ones?.map((p) => ({ by: p.by, author: p.author, at: p.at })),
    resolved: m.resolved, resolution: m.resolution, resolved_by: m.resolved_by, resolver: m.resolver, resolved_at: m.resolved_at });
}
const bySeq = (a, b) => (a.seq - b.seq) || compareStrings(a.id, b.id);

// annotationsOf lists the comments and markers as the export does (in the order they were
// made), or nothing when there are none.
function annotationsOf(s) {
  const out = {};
  if (s.comments?.size) out.comments = [...s.comments.values()].map(commentOf).sort(bySeq);
  if (s.markers?.size) out.markers = [...s.markers.values()].map(markerOf).sort(bySeq);
  return out;
}

/** sortedComments and sortedMarkers list a state's annotations in the order they were made. */
export const sortedComments = (s) => [...(s.comments?.values() ?? [])].sort(bySeq);
export const sortedMarkers = (s) => [...(s.markers?.values() ?? [])].sort(bySeq);

const SCHEME_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * evidenceLink returns a marker's evidence as a link when it is one (an absolute http or
 * https address with a host), else null: the page makes a link of it only then, and shows
 * any other evidence as text (blueprint.EvidenceLink).
 */
export function evidenceLink(evidence) {
  const v = (evidence ?? '').trim();
  if (/[ \t\r\n]/.test(v)) return null;
  try {
    const u = new URL(v);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.host || u.username || u.password) return null;
    return u.href;
  } catch {
    return null;
  }
}

// evidenceOK says whether evidence is a text, or a link that evidenceLink takes: a word that
// starts with a scheme and "//", or with a scheme that runs code or reads files, is a link.
function evidenceOK(v) {
  const s = v.trim();
  if (/[ \t\r\n]/.test(s) || !SCHEME_PATTERN.test(s)) return true;
  const at = s.indexOf(':');
  const scheme = s.slice(0, at).toLowerCase();
  const link = s.slice(at + 1).startsWith('//') || ['javascript', 'data', 'vbscript', 'file'].includes(scheme);
  return !link || evidenceLink(s) !== null;
}

// validateAnnotation checks an annotation op's shape, as Op.validateAnnotation.
function validateAnnotation(op, f, str, bad) {
  if (op.op !== 'create') {
    if (str('anchor')) bad("an annotation's anchor cannot change: it follows its card");
    if (str('parent')) bad('a reply stays in its thread');
  }
  if (str('anchor')) {
    if (!anchorKind(f.anchor)) bad('an anchor names a card, a link, a stage, or a cell by its stage and lane');
    for (const k of ANCHOR_KEYS) {
      if (f.anchor[k] && !validID(f.anchor[k])) bad(`invalid anchor id ${JSON.stringify(f.anchor[k])}`);
    }
  }
  if (str('parent') && !validID(f.parent)) bad(`invalid parent id ${JSON.stringify(f.parent)}`);
  if (str('mentions')) {
    if (!str('text')) bad('mentions come with the text that makes them');
    if (!Array.isArray(f.mentions)) bad('field "mentions" must be an array');
    if (f.mentions.length > Limits.mentions) bad(`a comment mentions at most ${Limits.mentions} people`, Code.TOO_LARGE);
    f.mentions.forEach((p, i) => {
      if (typeof p !== 'string' || !PERSON_PATTERN.test(p)) bad(`mention ${i + 1} is not a person of the board`);
      if (f.mentions.slice(0, i).includes(p)) bad(`mention ${i + 1} names someone mentioned already`);
    });
  }
  if (str('text') && f.text.trim() === '') bad(`a ${op.type} needs a text`);
  if (op.op === 'create' && (str('resolved') || str('resolution'))) bad(`a new ${op.type} is open: resolve it once it is made`);
  if (str('resolved') && typeof f.resolved !== 'boolean') bad('field "resolved" must be true or false');
  for (const [name, max] of [['evidence', Limits.evidenceLen], ['resolution', Limits.resolutionLen]]) {
    if (!str(name)) continue;
    if (typeof f[name] !== 'string') bad(`field ${JSON.stringify(name)} must be a string`);
    const n = runeCount(f[name]);
    if (n > max) bad(`${name} is ${n} characters long; the limit is ${max}`, Code.TOO_LARGE);
  }
  if (op.type === 'comment' && op.op === 'create') {
    if (str('anchor') === str('parent')) bad('a comment is on an anchor, or replies to a comment (parent), not both');
    if (!str('text')) bad('creating a comment needs "text"');
  }
  if (op.type === 'marker') {
    if (str('text') && runeCount(f.text) > Limits.markerTextLen) {
      bad(`text is ${runeCount(f.text)} characters long; the limit is ${Limits.markerTextLen}`, Code.TOO_LARGE);
    }
    if (str('severity') && !SEVERITIES.includes(f.severity)) bad(`unknown severity ${JSON.stringify(f.severity)}`);
    if (str('kind') && !FRICTION_KINDS.includes(f.kind)) bad(`unknown kind of friction ${JSON.stringify(f.kind)}`);
    if (str('evidence') && !evidenceOK(f.evidence)) bad('evidence that is a link must be an http or https address');
    if (op.op === 'create') {
      if (str('anchor') && !['card', 'cell'].includes(anchorKind(f.anchor))) bad('a friction marker is on a card or a cell');
      for (const name of ['anchor', 'severity', 'kind', 'text']) if (!str(name)) bad(`creating a marker needs ${JSON.stringify(name)}`);
    }
    if (str('resolution') && f.resolved !== true) bad('a resolution comes with resolved: true');
    if (f.resolved === true && !(f.resolution ?? '').trim()) bad('resolving a marker needs a sentence saying how (resolution)');
  }
  if (op.type === 'plusone' && op.op === 'update') bad('a +1 is given (create) or withdrawn (delete), never updated');
}

// applyAnnotation applies a valid annotation op to s as made by o, as Board.applyAnnotation;
// it throws a LiveError and changes nothing when the op does not apply.
function applyAnnotation(s, op, o) {
  s.comments ??= new Map();
  s.markers ??= new Map();
  const f = op.fields ?? {};
  const set = (v) => v !== undefined && v !== null;
  const missing = (type, id) => new LiveError(Code.NOT_FOUND, `${type} ${JSON.stringify(id)} does not exist (it may have been deleted)`);
  const anchorMissing = (a) => {
    if (a.card && !s.cards.has(a.card)) return missing('card', a.card);
    if (a.link && !s.links.has(a.link)) return missing('link', a.link);
    if (a.stage && !s.stages.has(a.stage)) return missing('stage', a.stage);
    if (a.lane && !s.lanes.has(a.lane)) return missing('lane', a.lane);
    return null;
  };
  const resolvedAlready = (now, want) => {
    if (now === want) throw new LiveError(Code.CONFLICT, want ? 'it is resolved already' : 'it is open already');
  };
  const who = { by: o.by ?? '', author: o.author ?? o.name ?? '', at: o.at ?? 0 };
  if (op.type === 'comment') {
    const cs = s.comments;
    const cur = cs.get(op.id);
    if (op.op === 'create') {
      if (cur) throw new LiveError(Code.CONFLICT, `a comment with id ${JSON.stringify(op.id)} already exists`);
      if (cs.size >= Limits.comments) throw new LiveError(Code.TOO_LARGE, `a board holds at most ${Limits.comments} of type comment`);
      const c = { id: op.id, text: f.text, seq: o.seq ?? 0, ...who };
      if (set(f.mentions)) c.mentions = [...f.mentions];
      if (set(f.parent)) {
        let root = cs.get(f.parent);
        if (!root || root.deleted) throw missing('comment', f.parent);
        if (root.parent) root = cs.get(root.parent);
        c.parent = root.id;
        c.anchor = anchorOf(root.anchor);
      } else {
        const err = anchorMissing(f.anchor);
        if (err) throw err;
        c.anchor = anchorOf(f.anchor);
      }
      cs.set(op.id, commentOf(c));
      return;
    }
    if (!cur || cur.deleted) throw missing('comment', op.id);
    if (op.op === 'delete') {
      cs.set(op.id, commentOf({ ...cur, deleted: true, text: '', mentions: undefined }));
      return;
    }
    if (set(f.resolved)) {
      if (cur.parent) throw new LiveError(Code.INVALID, 'a thread is resolved or reopened by its first comment');
      resolvedAlready(!!cur.resolved, f.resolved);
    }
    const next = { ...cur };
    if (set(f.text)) Object.assign(next, { text: f.text, mentions: set(f.mentions) ? [...f.mentions] : undefined, edited_at: who.at });
    if (set(f.resolved)) {
      Object.assign(next, { resolved: f.resolved, resolved_by: undefined, resolver: undefined, resolved_at: undefined });
      if (f.resolved) Object.assign(next, { resolved_by: who.by, resolver: who.author, resolved_at: who.at });
    }
    cs.set(op.id, commentOf(next));
    return;
  }
  const ms = s.markers;
  const cur = ms.get(op.id);
  if (op.type === 'plusone') {
    if (!cur) throw missing('marker', op.id);
    const pluses = cur.plus_ones ?? [];
    const i = pluses.findIndex((p) => p.by === who.by);
    if (op.op === 'create') {
      if (i >= 0) throw new LiveError(Code.CONFLICT, 'you have given this marker a +1 already');
      if (pluses.length >= Limits.plusOnes) throw new LiveError(Code.TOO_LARGE, `a marker holds at most ${Limits.plusOnes} +1s`);
      ms.set(op.id, markerOf({ ...cur, plus_ones: [...pluses, who] }));
      return;
    }
    if (i < 0) throw new LiveError(Code.NOT_FOUND, 'you have not given this marker a +1');
    ms.set(op.id, markerOf({ ...cur, plus_ones: pluses.filter((_, j) => j !== i) }));
    return;
  }
  if (op.op === 'create') {
    if (cur) throw new LiveError(Code.CONFLICT, `a marker with id ${JSON.stringify(op.id)} already exists`);
    if (ms.size >= Limits.markers) throw new LiveError(Code.TOO_LARGE, `a board holds at most ${Limits.markers} of type marker`);
    const err = anchorMissing(f.anchor);
    if (err) throw err;
    ms.set(op.id, markerOf({ id: op.id, anchor: f.anchor, severity: f.severity, kind: f.kind, text: f.text,
      evidence: f.evidence ?? '', seq: o.seq ?? 0, ...who }));
    return;
  }
  if (!cur) throw missing('marker', op.id);
  if (op.op === 'delete') {
    ms.delete(op.id);
    return;
  }
  if (set(f.resolved)) resolvedAlready(!!cur.resolved, f.resolved);
  const next = { ...cur };
  if (set(f.severity) || set(f.kind) || set(f.text) || set(f.evidence)) {
    for (const k of ['severity', 'kind', 'text', 'evidence']) if (set(f[k])) next[k] = f[k];
    next.edited_at = who.at;
  }
  if (set(f.resolved)) {
    Object.assign(next, { resolved: f.resolved, resolution: undefined, resolved_by: undefined, resolver: undefined, resolved_at: undefined });
    if (f.resolved) Object.assign(next, { resolution: f.resolution, resolved_by: who.by, resolver: who.author, resolved_at: who.at });
  }
  ms.set(op.id, markerOf(next));
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** validDate reports whether s is a day written YYYY-MM-DD that exists. */
export function validDate(s) {
  if (typeof s !== 'string' || !DATE_PATTERN.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

// validateAnalysis checks the analysis fields, as launch.go's validateAnalysis.
function validateAnalysis(op, f, str, bad) {
  const text = (name, v, max) => {
    if (typeof v !== 'string') bad(`field ${JSON.stringify(name)} must be a string`);
    const n = runeCount(v);
    if (n > max) bad(`${name} is ${n} characters long; the limit is ${max}`, Code.TOO_LARGE);
    if (v.includes('\0')) bad(`${name} contains a NUL character`);
  };
  const person = (name, v) => {
    text(name, v, Limits.nameLen);
    if (/[\r\n]/.test(v)) bad(`${name} is a name on one line`);
  };
  const date = (name, v) => {
    if (v !== '' && !validDate(v)) bad(`${name} must be a day written YYYY-MM-DD, not ${JSON.stringify(v)}`);
  };
  for (const [name, max] of [['problem', Limits.problemLen], ['minimum_useful', Limits.minimumLen]]) {
    if (str(name)) text(name, f[name], max);
  }
  for (const name of ['launch_date', 'deadline', 'check_in']) {
    if (str(name)) {
      text(name, f[name], Limits.nameLen);
      date(name, f[name]);
    }
  }
  if (str('daily_users')) {
    if (!Array.isArray(f.daily_users)) bad('field "daily_users" must be an array');
    if (f.daily_users.length > Limits.dailyUsers) bad(`the framing names at most ${Limits.dailyUsers} daily users`, Code.TOO_LARGE);
    f.daily_users.forEach((u, i) => {
      person('daily_users', u);
      if (u.trim() === '') bad(`daily user ${i + 1} has no name`);
    });
  }
  if (str('holder')) person('holder', f.holder);
  if (str('milestone') && f.milestone !== '' && !MILESTONES.includes(f.milestone)) {
    bad(`unknown milestone ${JSON.stringify(f.milestone)}: expected first_contact or value_moment`);
  }
  if (op.type === 'card' && str('evidence') && f.evidence !== '' && !EVIDENCE_LEVELS.includes(f.evidence)) {
    bad(`unknown evidence level ${JSON.stringify(f.evidence)}: expected observed, assumed or to_verify`);
  }
  for (const name of ['active_minutes_max', 'wait_minutes_max']) {
    if (str(name) && (!isInt(f[name]) || f[name] < 0 || f[name] > Limits.minutes)) bad(`${name} must be between 0 and ${Limits.minutes}`);
  }
  for (const [low, high] of [['active_minutes', 'active_minutes_max'], ['wait_minutes', 'wait_minutes_max']]) {
    if (str(low) && str(high) && f[high] !== 0 && f[high] < f[low]) bad(`the longest ${low} is shorter than the shortest`);
  }
  for (const name of ['entered', 'completed']) {
    if (str(name) && (!isInt(f[name]) || f[name] < 0 || f[name] > Limits.volume)) bad(`${name} must be between 0 and ${Limits.volume}`);
  }
  if (str('entered') && str('completed') && f.completed > f.entered) bad('a stage cannot complete more people than entered it');
  if (str('risk')) {
    const r = f.risk;
    if (typeof r !== 'object' || Array.isArray(r)) bad('field "risk" must be an object');
    if (!isZero(r)) {
      if (!(r.by ?? '').trim() || !(r.reason ?? '').trim() || !r.on) bad('accepting a risk names who accepts it, why, and on which day');
      person('risk', r.by);
      text('risk', r.reason, Limits.reasonLen);
      date('risk', r.on);
    }
  }
  for (const name of ['ack_from', 'ack_to']) {
    if (!str(name)) continue;
    const a = f[name];
    if (typeof a !== 'object' || Array.isArray(a)) bad(`field ${JSON.stringify(name)} must be an object`);
    if (isZero(a)) continue;
    if (!(a.by ?? '').trim() || !a.on) bad('an acknowledgement names who of the team acknowledges, and on which day');
    person(name, a.by);
    date(name, a.on);
  }
}

/**
 * applyOp validates op against state s and applies it, as Board.Apply does: it either
 * changes s and returns null, or returns a LiveError and changes nothing. An update or
 * delete of a missing entity is not_found (deletes win over later updates); a create of
 * an existing id is conflict; deleting a stage or lane deletes its cards, deleting a card
 * its links, deleting a team clears it from cards and links.
 */
export function applyOp(s, op, origin = {}) {
  try {
    validateOp(op);
    if (ANNOTATION_TYPES.includes(op.type)) {
      applyAnnotation(s, op, origin);
      return null;
    }
    if (op.type === 'board') {
      if (op.id !== s.id) throw new LiveError(Code.NOT_FOUND, `board ${JSON.stringify(op.id)} is not this board`);
      if (op.fields.title != null) s.title = op.fields.title;
      const framing = definedOnly(op.fields);
      delete framing.title;
      if (Object.keys(framing).length) s.framing = framingOf({ ...s.framing, ...framing });
      return null;
    }
    const f = op.fields ?? {};
    const [coll, limit] = COLLECTIONS[op.type];
    const m = s[coll];
    const cur = m.get(op.id);
    const missing = () => new LiveError(Code.NOT_FOUND, `${op.type} ${JSON.stringify(op.id)} does not exist (it may have been deleted)`);
    switch (op.op) {
      case 'create': {
        if (cur) throw new LiveError(Code.CONFLICT, `a ${op.type} with id ${JSON.stringify(op.id)} already exists`);
        if (m.size >= limit) throw new LiveError(Code.TOO_LARGE, `a board holds at most ${limit} of type ${op.type}`);
        m.set(op.id, create[op.type](s, op.id, f));
        return null;
      }
      case 'update': {
        if (!cur) throw missing();
        check[op.type]?.(s, f);
        // Made again from all its fields, so that a value holds what a create would give.
        Object.assign(cur, MAKE[op.type]({ ...cur, ...definedOnly(f) }));
        return null;
      }
      default: // delete
        if (!cur) throw missing();
        remove[op.type](s, op.id);
        return null;
    }
  } catch (err) {
    if (err instanceof LiveError) return err;
    throw err;
  }
}

function need(f, type, name) {
  if (f[name] === undefined || f[name] === null) throw new LiveError(Code.INVALID, `creating a ${type} needs ${JSON.stringify(name)}`);
  return f[name];
}

function refMissing(type, id) {
  return new LiveError(Code.NOT_FOUND, `${type} ${JSON.stringify(id)} does not exist (it may have been deleted)`);
}

const check = {
  card(s, f) {
    if (f.stage != null && !s.stages.has(f.stage)) throw refMissing('stage', f.stage);
    if (f.lane != null && !s.lanes.has(f.lane)) throw refMissing('lane', f.lane);
    if (f.team != null && f.team !== '' && !s.teams.has(f.team)) throw refMissing('team', f.team);
    if (f.kind != null && !CARD_KINDS.includes(f.kind)) throw new LiveError(Code.INVALID, `unknown card kind ${JSON.stringify(f.kind)}`);
  },
  link(s, f) {
    if (f.kind != null && !LINK_KINDS.includes(f.kind)) throw new LiveError(Code.INVALID, `unknown link kind ${JSON.stringify(f.kind)}: expected handoff or dependency`);
    if (f.owner != null && f.owner !== '' && !s.teams.has(f.owner)) throw refMissing('team', f.owner);
  },
};

const create = {
  stage: (s, id, f) => stageOf({ id, name: f.name, order: need(f, 'stage', 'order') }),
  lane(s, id, f) {
    const order = need(f, 'lane', 'order');
    const role = need(f, 'lane', 'role');
    return laneOf({ id, role, label: f.label, order, hidden: f.hidden });
  },
  card(s, id, f) {
    for (const name of ['stage', 'lane', 'order']) need(f, 'card', name);
    check.card(s, f);
    return cardOf({ ...definedOnly(f), id });
  },
  team: (s, id, f) => teamOf({ id, name: need(f, 'team', 'name'), color: f.color ?? undefined }),
  link(s, id, f) {
    const from = need(f, 'link', 'from');
    const to = need(f, 'link', 'to');
    if (from === to) throw new LiveError(Code.INVALID, 'a link joins two different cards');
    for (const c of [from, to]) {
      if (!s.cards.has(c)) throw refMissing('card', c);
    }
    check.link(s, f);
    return linkOf({ ...definedOnly(f), id });
  },
};

function definedOnly(f) {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== null));
}

const MAKE = { stage: stageOf, lane: laneOf, card: cardOf, team: teamOf, link: linkOf };

/**
 * entityOf returns the entity that a create of type with fields makes, every field
 * present with its default where fields has none. It checks nothing: it is what a
 * create that applies gives.
 */
export function entityOf(type, id, fields) {
  return MAKE[type]({ ...definedOnly(fields ?? {}), id });
}

const remove = {
  stage(s, id) {
    s.stages.delete(id);
    for (const [cid, c] of s.cards) if (c.stage === id) remove.card(s, cid);
  },
  lane(s, id) {
    s.lanes.delete(id);
    for (const [cid, c] of s.cards) if (c.lane === id) remove.card(s, cid);
  },
  card(s, id) {
    s.cards.delete(id);
    for (const [lid, l] of s.links) if (l.from === id || l.to === id) s.links.delete(lid);
  },
  team(s, id) {
    s.teams.delete(id);
    for (const c of s.cards.values()) if (c.team === id) c.team = '';
    for (const l of s.links.values()) if (l.owner === id) l.owner = '';
  },
  link(s, id) {
    s.links.delete(id);
  },
};

/**
 * changesOf returns what op will change in state s: ["type:id", field names] for what it
 * creates or sets, ["type:id", null] for what it deletes, cascades included. It is read
 * before the op applies, when the cascade is still there; for an op that will not apply it
 * names what the op would have changed.
 */
export function changesOf(s, op) {
  const at = (type, id) => `${type}:${id}`;
  if (op.type === 'plusone') return [[at('marker', op.id), ['plus_ones']]];
  if (op.type === 'comment' && op.op === 'delete') return [[at('comment', op.id), ['deleted', 'text', 'mentions']]];
  if (op.op === 'create') return [[at(op.type, op.id), ALLOWED_FIELDS[op.type]]];
  if (op.op === 'update') {
    return [[at(op.type, op.id), Object.keys(op.fields ?? {}).filter((k) => op.fields[k] != null)]];
  }
  const out = [[at(op.type, op.id), null]];
  const cards = op.type === 'card' ? [op.id]
    : op.type === 'stage' || op.type === 'lane' ? [...s.cards.values()].filter((c) => c[op.type] === op.id).map((c) => c.id) : [];
  for (const id of cards) if (id !== op.id) out.push([at('card', id), null]);
  if (cards.length) {
    const gone = new Set(cards);
    for (const l of s.links.values()) if (gone.has(l.from) || gone.has(l.to)) out.push([at('link', l.id), null]);
  }
  if (op.type === 'team') {
    for (const c of s.cards.values()) if (c.team === op.id) out.push([at('card', c.id), ['team']]);
    for (const l of s.links.values()) if (l.owner === op.id) out.push([at('link', l.id), ['owner']]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Origins: who made what the confirmed state holds.

const GONE_KEPT = 10000; // deleted entities whose deleter is remembered, at most

/**
 * Origins remembers who last set each field of the confirmed state and who deleted what
 * is gone, from the author (a display name) every committed op carries. Per-person undo
 * (undo.js) names with it who changed something since; nothing here decides what an op
 * does. What a snapshot brought has no known origin: null.
 */
export class Origins {
  constructor() {
    this.set = new Map(); // "type:id" → {field: name of who set it last}
    this.gone = new Map(); // "type:id" → name of who deleted it (directly or by a cascade)
    this.restoring = new Map(); // op key → {field: name}: whose values an undo puts back
  }

  /** field returns who last set a field of an entity, or null when unknown. */
  field(type, id, name) {
    return this.set.get(`${type}:${id}`)?.[name] ?? null;
  }

  /** deleted returns who deleted an entity, or null when unknown. */
  deleted(type, id) {
    return this.gone.get(`${type}:${id}`) ?? null;
  }

  /**
   * changes returns what op will change in state s, which it must fit: ["type:id",
   * field names] for what it creates or sets, ["type:id", null] for what it deletes,
   * cascades included. It is read before the op applies, when the cascade is still there.
   */
  changes(s, op) {
    return changesOf(s, op);
  }

  /**
   * restores says that the op of key, an undo or a redo made here, puts back values that
   * others made: by names who made each field's value ({field: name or null}). Once the
   * op is committed those values are theirs again, not the undoer's, and a sentence about
   * them names their author.
   */
  restores(key, by) {
    this.restoring.set(key, by);
  }

  /**
   * record keeps changes (as changes returns them) as made by the author name, or, for
   * the fields an undo of key restores, by who made their values.
   */
  record(changes, name, key) {
    const who = name || null;
    const by = this.restoring.get(key);
    this.restoring.delete(key);
    for (const [at, fields] of changes) {
      if (fields === null) {
        this.set.delete(at);
        this.gone.delete(at); // the latest deletion goes last, so the oldest go first
        this.gone.set(at, who);
        if (this.gone.size > GONE_KEPT) this.gone.delete(this.gone.keys().next().value);
        continue;
      }
      this.gone.delete(at);
      const e = this.set.get(at) ?? {};
      for (const f of fields) e[f] = by && Object.hasOwn(by, f) ? by[f] : who;
      this.set.set(at, e);
    }
  }
}

// ---------------------------------------------------------------------------------------
// The replica.

/**
 * Replica holds what a client knows of a board: the confirmed state (the server's, at
 * seq) and the pending ops (made here, not yet confirmed), in the order they were made.
 *
 * It may hold a sequence without a state: a server-rendered page knows which seq its
 * HTML shows but has no export; it then tracks sequences and confirmations only, and
 * view() is null until a snapshot arrives.
 *
 * It also says what changed in the view since it was last asked (takeChanges): the page's
 * renderer (render.js) draws those entities again, and nothing else.
 */
export class Replica {
  /** @param {{board?: object|null, seq?: number}} [opts] an export, or a seq alone */
  constructor({ board = null, seq = -1 } = {}) {
    this.confirmed = board ? fromExport(board) : null;
    this.seq = board ? (board.seq ?? 0) : seq;
    this.pending = [];
    this.cache = null; // view(), until something changes
    this.cacheTouched = []; // what the pending ops change in the cached view ("type:id")
    this.origins = new Origins(); // who made the confirmed state, for per-person undo
    this.touched = new Set(); // what committed ops changed since takeChanges ("type:id")
    this.everything = false; // the whole state changed since takeChanges (a snapshot)
    this.shownPending = []; // what the pending ops changed in the view takeChanges last saw
    this.me = { by: '', author: '' }; // who the page's own annotation ops are made as (setIdentity)
  }

  /**
   * setIdentity says who this page's person is: the identity the server stamps on their
   * comments, markers and +1s (the welcome's by, or the board page's #board-viewer) and
   * their display name. Pending annotation ops are shown as theirs.
   */
  setIdentity(by, name) {
    this.me = { by: by ?? '', author: name ?? '' };
    this.cache = null;
  }

  /** snapshot replaces the confirmed state with an export from the server. */
  snapshot(board) {
    this.confirmed = fromExport(board);
    this.seq = board.seq ?? 0;
    this.cache = null;
    this.origins = new Origins();
    this.everything = true;
  }

  /** forget drops the confirmed state, so that the next connection asks for a snapshot. */
  forget() {
    this.confirmed = null;
    this.seq = -1;
    this.cache = null;
    this.origins = new Origins();
    this.everything = true;
  }

  /** add keeps a local op (with its key) as pending. */
  add(op) {
    if (!op.key) throw new Error('a pending op needs a key');
    this.pending.push(op);
    this.cache = null;
  }

  /**
   * receive takes committed ops from the server ({seq, op, ...}) in sequence order. Ops
   * at or below the held seq are ignored (already held); an op further than seq+1 is a
   * gap, and receive stops there: the caller reconnects and the server replays from the
   * held seq. An op that does not apply to the confirmed state means the replica has
   * drifted; receive stops and reports it. An applied op that carries the key of a pending
   * op confirms it. Who made each change (the op's author) goes to origins.
   *
   * @returns {{applied: object[], gap: null|{held: number, got: number}, error: null|{seq: number, error: LiveError}}}
   */
  receive(ops) {
    const out = { applied: [], gap: null, error: null };
    for (const c of ops) {
      if (c.seq <= this.seq) continue;
      if (c.seq !== this.seq + 1) {
        out.gap = { held: this.seq, got: c.seq };
        break;
      }
      if (this.confirmed) {
        const changes = this.origins.changes(this.confirmed, c.op);
        const err = applyOp(this.confirmed, c.op, { seq: c.seq, by: c.by ?? '', author: c.author ?? '', at: c.at ?? 0 });
        if (err) {
          out.error = { seq: c.seq, error: err };
          break;
        }
        this.origins.record(changes, c.author, c.op.key);
        for (const [at] of changes) this.touched.add(at);
        this.confirmed.seq = c.seq;
      }
      this.seq = c.seq;
      this.drop(c.op.key);
      out.applied.push(c);
    }
    if (out.applied.length > 0) this.cache = null;
    return out;
  }

  /** ack confirms a pending op the server had already applied (a resend). */
  ack(key) {
    return this.drop(key) !== null;
  }

  /** nack drops a pending op the server refused and returns it (null if unknown). */
  nack(key) {
    return this.drop(key);
  }

  drop(key) {
    if (!key) return null;
    const i = this.pending.findIndex((p) => p.key === key);
    if (i < 0) return null;
    this.cache = null;
    return this.pending.splice(i, 1)[0];
  }

  /**
   * view returns what the person sees: the confirmed state with the pending ops applied
   * over it, in order (last writer wins per field: a pending op sets only the fields it
   * names); a pending op that no longer applies is left out. null without a state. The
   * result is shared until the next change: do not modify it.
   */
  view() {
    if (!this.confirmed) return null;
    if (!this.cache) {
      // Without pending ops the view is the confirmed state itself: no copy to make.
      const v = this.pending.length > 0 ? cloneState(this.confirmed) : this.confirmed;
      const touched = [];
      for (const op of this.pending) {
        for (const [at] of changesOf(v, op)) touched.push(at);
        applyOp(v, op, this.me);
      }
      this.cache = v;
      this.cacheTouched = touched;
    }
    return this.cache;
  }

  /**
   * takeChanges returns what may have changed in the view since the last call, and starts
   * over: {all, keys}, all when the whole state changed (a snapshot, or forget), else
   * keys, a Set of "type:id" (type board, stage, lane, card, team or link, or comment or
   * marker for the annotations, which the board's renderer ignores) naming every
   * entity that committed ops changed (cascades included) or that pending ops change, in
   * the view seen last time or in this one. An entity not named holds what it held.
   */
  takeChanges() {
    const view = this.view();
    const keys = this.touched;
    for (const at of this.shownPending) keys.add(at);
    this.shownPending = view ? this.cacheTouched : [];
    for (const at of this.shownPending) keys.add(at);
    const out = { all: this.everything, keys };
    this.touched = new Set();
    this.everything = false;
    return out;
  }
}

// ---------------------------------------------------------------------------------------
// Client identity and op keys.

const STORAGE_KEY = 'lastmile.client';

/**
 * fill puts values in place of the {key} placeholders of a text from the server, in one
 * pass: a value that looks like a placeholder or holds "$&" is put in as it is. A value
 * that could reorder the sentence around it — a name or a card's text holding a
 * right-to-left script, a bidirectional control such as U+202E RIGHT-TO-LEFT OVERRIDE,
 * or a line break — is isolated (see isolate). The interface's languages are written left
 * to right, so a number, or a value of Latin letters, digits and common punctuation, cannot
 * change their order and goes in as it is. (A right-to-left interface language would
 * have to isolate every value.)
 */
export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (m, k) => {
    if (!Object.hasOwn(values, k)) return m;
    const v = String(values[k]);
    return LEFT_TO_RIGHT.test(v) ? v : isolate(v);
  });
}

// LEFT_TO_RIGHT matches a text that keeps the order of a left-to-right sentence it is in.
const LEFT_TO_RIGHT = /^[\x20-\x7e\u00a0-\u00ff\u2010-\u2027\u202f-\u205e\p{Script=Latin}]*$/u;

// PARAGRAPH_ENDS are the characters that end a bidirectional paragraph, and with it any
// isolate: inside a sentence they become spaces.
const PARAGRAPH_ENDS = /[\n\r\u001c-\u001e\u0085\u2029]/g;

/**
 * isolate returns text as a unit of its own inside a sentence: between U+2068 FIRST
 * STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, so that its direction is its own and
 * a bidirectional control it holds ends with it. So that text can neither end the isolate
 * early nor leave one open, an isolate it opens is closed at its end, a U+2069 that closes
 * none of its own is dropped and its line breaks become spaces. A text that is already
 * one isolate is returned as it is. (web/bidi.go does the same on the server.)
 */
export function isolate(text) {
  const t = balanced(text.replace(PARAGRAPH_ENDS, ' '));
  return oneIsolate(t) ? t : `\u2068${t}\u2069`;
}

/**
 * bdiText returns text as it goes into a bdi element of a sentence, which isolates it
 * already: its isolates balanced, its line breaks spaces (web/bidi.go's sentenceMarkup).
 */
export function bdiText(text) {
  return balanced(text.replace(PARAGRAPH_ENDS, ' '));
}

const OPEN_ISOLATES = ['\u2066', '\u2067', '\u2068']; // LRI, RLI, FSI; U+2069 (PDI) closes them

// balanced returns text with every isolate it opens closed at its end and every U+2069
// that closes none of its own dropped.
function balanced(text) {
  let depth = 0;
  let out = '';
  for (const ch of text) {
    if (OPEN_ISOLATES.includes(ch)) depth++;
    else if (ch === '\u2069') {
      if (depth === 0) continue;
      depth--;
    }
    out += ch;
  }
  return out + '\u2069'.repeat(depth);
}

// oneIsolate reports whether balanced text is one isolate: a U+2068 and the U+2069 that
// closes it at its end.
function oneIsolate(text) {
  if (!text.startsWith('\u2068')) return false;
  const chars = [...text];
  let depth = 0;
  for (let i = 0; i < chars.length; i++) {
    if (OPEN_ISOLATES.includes(chars[i])) depth++;
    else if (chars[i] === '\u2069' && --depth === 0) return i === chars.length - 1;
  }
  return false;
}

/** newID returns a new entity id: prefix, a dash and a random UUID (or 22 random characters). */
export function newID(prefix) {
  if (crypto.randomUUID) return `${prefix}-${crypto.randomUUID()}`;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return `${prefix}-${[...crypto.getRandomValues(new Uint8Array(22))].map((b) => alphabet[b & 63]).join('')}`;
}

/** newClientID returns a random client id of 16 lowercase letters and digits. */
export function newClientID() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let id = '';
  for (const b of bytes) id += alphabet[b & 31];
  return id;
}

/**
 * ClientKeys makes the idempotency keys `${clientId}:${n}`. The client id and the last
 * n live in storage (sessionStorage: one tab), so a reload keeps the id and never reuses
 * a number. A duplicated tab copies sessionStorage; the copy finds the id marked as in
 * use by a live page and takes a new one, so two tabs never share keys. The page calls
 * release() when it goes away (pagehide) and claim() when it comes back (pageshow).
 */
export class ClientKeys {
  /** @param {{getItem(k: string): string|null, setItem(k: string, v: string): void}|null} storage */
  constructor(storage) {
    this.storage = storage;
    const saved = this.load();
    if (saved && !saved.open) {
      this.id = saved.id;
      this.n = saved.n;
    } else {
      this.id = newClientID();
      this.n = 0;
    }
    this.claim();
  }

  /** next returns a key never used before by this client id. */
  next() {
    this.n++;
    this.save(true);
    return `${this.id}:${this.n}`;
  }

  /**
   * claim marks the id as in use by this page. A page back from the back/forward cache
   * goes on after the numbers another page of the tab used meanwhile.
   */
  claim() {
    const saved = this.load();
    if (saved?.id === this.id) this.n = Math.max(this.n, saved.n);
    this.save(true);
  }

  /** release marks the id as free, for the next page of this tab. */
  release() { this.save(false); }

  load() {
    try {
      const saved = JSON.parse(this.storage?.getItem(STORAGE_KEY) ?? 'null');
      return saved && validID(saved.id) && isInt(saved.n) && saved.n >= 0 ? saved : null;
    } catch {
      return null;
    }
  }

  save(open) {
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify({ id: this.id, n: this.n, open }));
    } catch {
      // Storage full or denied: keys stay unique for this page, which is what matters.
    }
  }
}
