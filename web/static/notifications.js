// notifications.js — the header's notifications, on every page of someone with a session
// (web/annotations.templ Notifications): a badge with the number unread and a list of the
// latest, from GET /api/notifications, asked every 20 seconds and at once when the board
// page sees an op that mentions the reader (annotations.js fires 'lastmile:notify' on the
// document). Opening an item marks it read; "mark all as read" marks them all. Names and
// board titles are put in as text, each isolated.

import { fill } from './live-core.js';

const POLL = 20000; // ms between two asks

function start() {
  const root = document.querySelector('[data-notifications]');
  let texts;
  try {
    texts = JSON.parse(document.getElementById('notif-texts')?.textContent ?? 'null');
  } catch {
    texts = null;
  }
  if (!root || !texts) return;
  const toggle = root.querySelector('[data-notif-toggle]');
  const count = root.querySelector('[data-notif-count]');
  const panel = root.querySelector('[data-notif-list]');
  const items = root.querySelector('[data-notif-items]');
  const none = root.querySelector('[data-notif-none]');
  const plural = new Intl.PluralRules(texts.lang || 'en');
  let list = [];
  let asking = null;

  const draw = (unread) => {
    count.hidden = unread === 0;
    count.textContent = String(unread);
    const label = (texts.count[plural.select(unread)] ?? texts.count.other).replace('{n}', String(unread));
    toggle.setAttribute('aria-label', `${toggle.firstChild.data.trim()}, ${label}`);
    root.dataset.unread = String(unread);
    items.replaceChildren(...list.map((n) => {
      const li = document.createElement('li');
      li.dataset.testid = 'notif-item';
      li.dataset.kind = n.kind;
      li.classList.toggle('unread', !n.read);
      const a = document.createElement('a');
      a.href = `/boards/${encodeURIComponent(n.board)}#anno-${encodeURIComponent(n.item)}`;
      a.textContent = fill(texts.t[n.kind] ?? '{name}', { name: n.author || '?', board: n.board_title || n.board });
      a.addEventListener('click', () => { if (!n.read) markRead({ ids: [n.id] }, true); });
      const when = document.createElement('time');
      when.dateTime = new Date(n.at).toISOString();
      when.textContent = new Intl.DateTimeFormat(texts.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(n.at));
      li.append(a, ' ', when);
      return li;
    }));
    none.hidden = list.length > 0;
  };

  const refresh = () => {
    asking ??= fetch('/api/notifications?limit=20', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data) return;
        list = data.notifications ?? [];
        draw(data.unread ?? 0);
      })
      .catch(() => {})
      .finally(() => { asking = null; });
    return asking;
  };

  const markRead = (body, keepalive = false) => fetch('/api/notifications/read', {
    method: 'POST', credentials: 'same-origin', keepalive, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  }).then(refresh, () => {});

  const open = (yes) => {
    panel.hidden = !yes;
    toggle.setAttribute('aria-expanded', String(yes));
    if (yes) refresh();
  };
  toggle.addEventListener('click', () => open(panel.hidden));
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) {
      open(false);
      toggle.focus();
    }
  });
  document.addEventListener('click', (e) => { if (!panel.hidden && !root.contains(e.target)) open(false); });
  root.querySelector('[data-notif-read]').addEventListener('click', () => markRead({ all: true }));
  document.addEventListener('lastmile:notify', () => refresh());
  root.hidden = false;
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, POLL);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}

start();
