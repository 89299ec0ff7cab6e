// duration.js — reads and writes the active and waiting times of a card as people type
// them: whole minutes, from 0 to Limits.minutes (365 days). Pure: no DOM. The card's
// detail dialog (details.js) uses it; the rules are in docs/page.md ("The duration syntax").
//
// A time is written as
//   - a number alone, in minutes: "90", "45";
//   - numbers with units, added up: "2 h", "1h30", "1 h 30 min", "2 d 4 h", "1 week";
//     hours or days may have decimals, with a point or a comma: "1.5 h", "1,5 j";
//     a number without a unit right after hours is minutes ("1h30", "1 h 30");
//   - hours and minutes with a colon: "1:30".
// Units are read in English and in French, whatever the page's language: m, mn, min,
// minute(s); h, hr(s), hour(s), heure(s); d, day(s), j, jour(s); w, wk(s), week(s), sem,
// semaine(s). Letters may be in any case; spaces anywhere between numbers and units.
// Nothing, or 0, is no time. The total is rounded to the minute.

import { Limits } from './live-core.js';

const MINUTE = 1;
const HOUR = 60;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const UNITS = new Map([
  ...['m', 'mn', 'min', 'mins', 'minute', 'minutes'].map((u) => [u, MINUTE]),
  ...['h', 'hr', 'hrs', 'hour', 'hours', 'heure', 'heures'].map((u) => [u, HOUR]),
  ...['d', 'day', 'days', 'j', 'jour', 'jours'].map((u) => [u, DAY]),
  ...['w', 'wk', 'wks', 'week', 'weeks', 'sem', 'semaine', 'semaines'].map((u) => [u, WEEK]),
]);

const PART = /^(\d+(?:[.,]\d+)?)\s*(\p{L}*)\s*/u;

/**
 * parseDuration reads a time as a person typed it.
 * @param {string} text
 * @returns {{minutes: number}|{error: 'invalid'|'too_long'}} whole minutes (0 for none),
 *   or why it cannot be a card's time: not a duration, or more than Limits.minutes.
 */
export function parseDuration(text) {
  const s = String(text ?? '').replace(/[\s\u00a0\u202f]+/gu, ' ').trim().toLowerCase();
  if (s === '') return { minutes: 0 };
  let total = 0;
  const clock = /^(\d+) ?: ?([0-5]\d)$/.exec(s);
  if (clock) {
    total = Number(clock[1]) * HOUR + Number(clock[2]);
  } else {
    let rest = s;
    let last = 0; // the unit of the previous part
    const seen = new Set();
    while (rest !== '') {
      const m = PART.exec(rest);
      if (!m) return { error: 'invalid' };
      rest = rest.slice(m[0].length);
      const n = Number(m[1].replace(',', '.'));
      let unit = UNITS.get(m[2]);
      if (m[2] === '') {
        if (last === 0 && rest === '') unit = MINUTE; // a number alone
        else if (last === HOUR && rest === '') unit = MINUTE; // 1h30
      }
      if (unit === undefined || seen.has(unit)) return { error: 'invalid' };
      seen.add(unit);
      last = unit;
      total += n * unit;
    }
  }
  if (!Number.isFinite(total)) return { error: 'too_long' };
  const minutes = Math.round(total);
  if (minutes > Limits.minutes) return { error: 'too_long' };
  return { minutes };
}

/**
 * formatDuration writes minutes exactly, in days, hours and minutes, with the units
 * given (the page's language: {day: 'd', hour: 'h', minute: 'min'}), as parseDuration
 * reads them back: "1 d 12 h", "1 h 30 min", "45 min"; "" for none.
 * @param {number} minutes
 * @param {{day: string, hour: string, minute: string}} units
 * @returns {string}
 */
export function formatDuration(minutes, units) {
  return splitDuration(minutes).map(([n, unit]) => `${n} ${units[unit]}`).join(' ');
}

/**
 * splitDuration returns the days, hours and minutes of a time, those that are not zero:
 * [[1, 'day'], [30, 'minute']] for 1470.
 * @param {number} minutes
 * @returns {[number, 'day'|'hour'|'minute'][]}
 */
export function splitDuration(minutes) {
  const n = Math.max(0, Math.floor(minutes || 0));
  const parts = [[Math.floor(n / DAY), 'day'], [Math.floor((n % DAY) / HOUR), 'hour'], [n % HOUR, 'minute']];
  return parts.filter(([v]) => v > 0);
}

// A range is two times with a dash between (a hyphen, an en or em dash, or "to", "à"):
// "2 d – 5 d", "2 d-5 d". A first time without a unit takes the unit that starts the
// second: "2-5 j" is 2 days to 5 days, "1-2 h 30" is 1 hour to 2 hours 30.
const RANGE = /^(.+?)\s*(?:[-–—]|(?<!\p{L})(?:to|à)(?!\p{L}))\s*(.+)$/iu;
const BARE = /^\d+(?:[.,]\d+)?$/;
const FIRST_UNIT = /^\d+(?:[.,]\d+)?\s*(\p{L}+)/u;

/**
 * parseRange reads a time that may be a range, as a person typed it.
 * @param {string} text
 * @returns {{minutes: number, max: number}|{error: 'invalid'|'too_long'|'reversed'}} the
 *   shortest and the longest time in whole minutes (max 0 when it is no range: one time,
 *   or both ends equal), or why it cannot be read: either end is no duration or more than
 *   Limits.minutes, or the longest comes first.
 */
export function parseRange(text) {
  const s = String(text ?? '').replace(/[\s\u00a0\u202f]+/gu, ' ').trim();
  const m = RANGE.exec(s);
  if (!m) {
    const one = parseDuration(s);
    return one.error ? one : { minutes: one.minutes, max: 0 };
  }
  let [, low, high] = m;
  if (BARE.test(low)) {
    const unit = FIRST_UNIT.exec(high.toLowerCase());
    if (unit) low = `${low} ${unit[1]}`;
  }
  const a = parseDuration(low);
  const b = parseDuration(high);
  if (a.error || b.error) return { error: a.error === 'too_long' || b.error === 'too_long' ? 'too_long' : 'invalid' };
  if (b.minutes < a.minutes) return { error: 'reversed' };
  return { minutes: a.minutes, max: b.minutes > a.minutes ? b.minutes : 0 };
}

/**
 * formatRange writes a time that may be a range, as parseRange reads it back: "2 d – 5 d",
 * or one time when max is not above minutes.
 */
export function formatRange(minutes, max, units) {
  const low = formatDuration(minutes, units);
  if (!(max > minutes)) return low;
  return `${low || '0'} – ${formatDuration(max, units)}`;
}
