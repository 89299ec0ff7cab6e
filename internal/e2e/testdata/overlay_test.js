// overlay_test.js — compares analyzeBoard (web/static/analysis-overlay.js) with the Go
// analysis (blueprint.Analyze) on the random boards TestAnalysisOverlayMatchesGo makes:
// run(cases) returns one line per board whose results differ.

import { fromExport } from '/static/live-core.js';
import { analyzeBoard } from '/static/analysis-overlay.js';

// canon writes a value as JSON with the keys of every object sorted.
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

// shaped puts analyzeBoard's result in the shape the Go test projects Analyze on: the
// heat by cell (Go sorts cells of equal score, stage and lane in no fixed order).
function shaped(r) {
  const heat = {};
  for (const c of r.heat) heat[`${c.stage}/${c.lane}`] = { score: c.score, level: c.level, markers: c.markers };
  return { ...r, heat };
}

function run(cases) {
  const failures = [];
  for (const c of cases) {
    let got;
    try {
      got = canon(shaped(analyzeBoard(fromExport(c.export))));
    } catch (e) {
      failures.push(`board ${c.seed}: ${e}`);
      continue;
    }
    const want = canon(c.want);
    if (got === want) continue;
    let i = 0;
    while (i < got.length && got[i] === want[i]) i++;
    failures.push(`board ${c.seed}: got …${got.slice(Math.max(0, i - 80), i + 160)}…, want …${want.slice(Math.max(0, i - 80), i + 160)}…`);
    if (failures.length >= 10) break;
  }
  return failures;
}

window.overlayTests = { run };
window.overlayTestsReady = true;
