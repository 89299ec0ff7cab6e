// annotations-core.js — what the board shows of its comments and friction markers,
// computed from a state of the page's store (live-core.js): pure functions, shared by the
// renderer (the badges on cards, cells, links and stage headers) and the side panel
// (annotations.js). The server counts the same (web/annotations.go annotationCounts);
// TestRenderMatchesServer compares the badges drawn with the server's.

import { SEVERITIES, anchorString } from './live-core.js';

/** threadOf returns the first comment of c's thread (c itself for a thread's start). */
export function threadOf(s, c) {
  let root = c;
  for (let i = 0; root.parent && i < 4; i++) {
    const p = s.comments.get(root.parent);
    if (!p) break;
    root = p;
  }
  return root;
}

/**
 * annotationCounts counts the open annotations of state s by anchor (keyed as
 * anchorString writes it): the comments of open threads (not deleted ones), and the open
 * markers by severity (indexes of SEVERITIES). Anchors without any are absent.
 */
export function annotationCounts(s) {
  const out = new Map();
  const at = (a) => {
    const k = anchorString(a);
    if (!out.has(k)) out.set(k, { comments: 0, markers: [0, 0, 0, 0] });
    return out.get(k);
  };
  for (const c of s?.comments?.values() ?? []) {
    if (c.deleted) continue;
    const root = threadOf(s, c);
    if (root.resolved) continue;
    at(root.anchor).comments++;
  }
  for (const m of s?.markers?.values() ?? []) {
    if (m.resolved) continue;
    const i = SEVERITIES.indexOf(m.severity);
    if (i >= 0) at(m.anchor).markers[i]++;
  }
  return out;
}

/** sameCount says whether two counts (or their absence) show the same. */
export function sameCount(a, b) {
  if (!a || !b) return !a && !b;
  return a.comments === b.comments && a.markers.every((n, i) => n === b.markers[i]);
}
