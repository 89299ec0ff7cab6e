// facilitation.js — the board's facilitation state on the page (docs/facilitation.md):
// the lock's badge and the timer in the tool bar, for everyone (viewers too), and the
// facilitator's choice of lock and timer buttons. The timer counts down from its ends_at
// on the server's clock, which the page knows from the frames' now: every tab agrees. It owns the FacilitationUI component and reads the state only from the
// LiveBoard's 'facilitation' events (the welcome's state, then each change); the server
// refuses a locked edit itself, with a message the editor announces.

import { focusLeftAlone } from './dialog.js';

/**
 * startFacilitation makes the FacilitationUI of the page work, if there is one.
 * @param {{live: import('./live.js').LiveBoard}} o
 */
export function startFacilitation({ live }) {
  const root = document.querySelector('[data-facilitation]');
  if (!root) return null;
  const badge = root.querySelector('[data-lock-badge]');
  const select = root.querySelector('[data-lock-select]');
  const texts = { structure: root.dataset.lockStructure, board: root.dataset.lockBoard };
  let seq = -1;
  const timer = startTimer(root, live);
  const session = startSession(root, live);
  const show = ({ facilitation, now }) => {
    if (!facilitation || facilitation.seq < seq) return; // an older state than the one shown
    seq = facilitation.seq;
    const lock = facilitation.lock ?? '';
    badge.textContent = texts[lock] ?? '';
    badge.hidden = lock === '';
    root.dataset.lock = lock;
    if (select) select.value = lock;
    timer.show(facilitation.timer ?? null, now);
    session.show(facilitation.sessions ?? []);
    root.hidden = !select && lock === '' && !facilitation.timer && !session.showing();
  };
  live.addEventListener('facilitation', (e) => show(e.detail));
  if (live.facilitation) show({ facilitation: live.facilitation, now: live.facilitationNow });
  select?.addEventListener('change', () => live.facilitate({ lock: select.value }));
  return { show };
}

/**
 * startSession wires the facilitator's close of the workshop (a dialog asking the name of
 * the version it keeps) and shows everyone the summary of a workshop closed while the page
 * is open. show(sessions) takes the state's closed sessions.
 */
function startSession(root, live) {
  const t = root.dataset;
  const plural = new Intl.PluralRules(t.lang || 'en');
  const count = (what, n) => {
    const form = t[`session${what}${plural.select(n) === 'one' ? 'One' : 'Other'}`];
    return form.replace('{n}', String(n));
  };
  const dialog = root.querySelector('[data-session-dialog]');
  const form = root.querySelector('[data-session-form]');
  const error = root.querySelector('[data-session-error]');
  const opener = root.querySelector('[data-session-open]');
  const summary = root.querySelector('[data-session-summary-dialog]');
  let known = null; // when the state's last closed session closed, as first seen (0: none)
  let pending = false;
  opener?.addEventListener('click', () => {
    const date = new Intl.DateTimeFormat(t.lang || 'en', { dateStyle: 'long' }).format(new Date());
    form.elements.name.value = t.sessionDefault.replace('{date}', date);
    error.textContent = '';
    dialog.showModal();
    form.elements.name.select();
  });
  root.querySelector('[data-session-cancel]')?.addEventListener('click', () => dialog.close());
  dialog?.addEventListener('close', () => {
    if (focusLeftAlone(dialog, opener)) opener.focus();
  });
  form?.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = form.elements.name.value.trim();
    if (!name) {
      form.elements.name.reportValidity();
      return;
    }
    pending = true;
    live.facilitate({ close: { name } });
  });
  live.addEventListener('error', (e) => {
    if (!pending) return;
    pending = false;
    error.textContent = e.detail.message;
  });
  summary.querySelector('[data-session-summary-ok]').addEventListener('click', () => summary.close());
  // The summary's dialog sits in the tool bar's group, which must show while it is open.
  summary.addEventListener('close', () => {
    if (!root.querySelector('[data-lock-select]') && root.dataset.lock === '' && root.querySelector('[data-timer-badge]').hidden) root.hidden = true;
  });
  const describe = (s) => {
    const parts = [`${count('Cards', s.cards)} ${count('People', s.people)}`, count('Markers', s.markers), count('Comments', s.comments)];
    let text = `${fill(t.sessionClosed, { by: s.by, name: s.name })} ${parts.join(', ')}.`;
    if (s.top_voted?.length) {
      text += ` ${t.sessionTop} ${s.top_voted.map((v) => fill(t.sessionTopItem, { text: v.text, votes: count('Votes', v.votes) })).join(', ')}.`;
    }
    return text;
  };
  return {
    show(sessions) {
      const last = sessions.at(-1)?.closed_at ?? 0;
      if (known !== null && last > known) {
        pending = false;
        if (dialog?.open) dialog.close();
        summary.querySelector('[data-session-summary]').textContent = describe(sessions.at(-1));
        root.hidden = false;
        if (!summary.open) summary.showModal();
      }
      known = last;
    },
    showing: () => summary.open,
  };
}

// fill puts values in the {name}s of a text template, in one pass.
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));

const SOUND_KEY = 'lastmile.timerSound';

/**
 * startTimer draws the facilitation state's timer in root and wires the facilitator's
 * buttons. show(timer, now) takes the state's timer (null for none) and the server's
 * clock of the frame that carried it.
 */
function startTimer(root, live) {
  const badge = root.querySelector('[data-timer-badge]');
  const time = root.querySelector('[data-timer-time]');
  const state = root.querySelector('[data-timer-state]');
  const announce = root.querySelector('[data-timer-announce]');
  const soundLabel = root.querySelector('[data-timer-sound-label]');
  const sound = root.querySelector('[data-timer-sound]');
  const controls = root.querySelector('[data-timer-controls]');
  const button = (a) => controls?.querySelector(`[data-timer-action="${a}"]`);
  let timer = null;
  let offset = 0; // the server's clock minus the page's
  let tick = 0;
  let last = null; // whole seconds left when last drawn
  sound.checked = localStorage.getItem(SOUND_KEY) !== 'off';
  sound.addEventListener('change', () => localStorage.setItem(SOUND_KEY, sound.checked ? 'on' : 'off'));

  const left = () => {
    if (!timer) return 0;
    const ms = timer.running ? timer.ends_at - (Date.now() + offset) : (timer.remaining_ms ?? 0);
    return Math.max(0, Math.ceil(ms / 1000));
  };
  const draw = () => {
    const secs = left();
    time.textContent = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
    time.dataset.seconds = String(secs);
    const up = secs === 0;
    state.textContent = up ? root.dataset.timerUp : timer.running ? '' : `(${root.dataset.timerPaused})`;
    badge.classList.toggle('timer-up', up);
    badge.dataset.state = up ? 'up' : timer.running ? 'running' : 'paused';
    if (last !== null && timer.running) {
      if (last > 60 && secs <= 60 && secs > 0) announce.textContent = root.dataset.timerOneMinute;
      if (last > 0 && up) {
        announce.textContent = root.dataset.timerUp;
        if (sound.checked) chime();
      }
    }
    last = secs;
    if (up || !timer.running) stop();
  };
  const stop = () => {
    clearInterval(tick);
    tick = 0;
  };
  const show = (t, now) => {
    if (typeof now === 'number') offset = now - Date.now();
    stop();
    timer = t;
    last = null;
    badge.hidden = !t;
    soundLabel.hidden = !t;
    if (controls) {
      button('pause').hidden = !t?.running;
      button('resume').hidden = !t || t.running;
      button('add').hidden = !t;
      button('stop').hidden = !t;
    }
    if (!t) return;
    draw();
    if (t.running && left() > 0) tick = setInterval(draw, 250);
  };
  controls?.addEventListener('click', (e) => {
    const action = e.target.closest('[data-timer-action]')?.dataset.timerAction;
    if (!action) return;
    const change = { action };
    if (action === 'start') {
      const input = controls.querySelector('[data-timer-minutes]');
      const minutes = Math.round(Number(input.value));
      if (!(minutes >= 1 && minutes <= 120)) {
        input.reportValidity();
        return;
      }
      change.minutes = minutes;
    }
    live.facilitate({ timer: change });
  });
  return { show };
}

// chime plays a short, soft sine tone (WebAudio), the end of the timer.
function chime() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = 660;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.05);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.8);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.85);
    osc.onended = () => ctx.close();
  } catch {
    // no sound on a page without WebAudio
  }
}
