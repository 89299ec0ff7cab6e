// facilitation.js — the board's facilitation state on the page (docs/facilitation.md):
// the lock's badge in the tool bar, for everyone (viewers too), and the facilitator's
// choice of lock. It owns the FacilitationUI component and reads the state only from the
// LiveBoard's 'facilitation' events (the welcome's state, then each change); the server
// refuses a locked edit itself, with a message the editor announces.

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
  const show = ({ facilitation }) => {
    if (!facilitation || facilitation.seq < seq) return; // an older state than the one shown
    seq = facilitation.seq;
    const lock = facilitation.lock ?? '';
    badge.textContent = texts[lock] ?? '';
    badge.hidden = lock === '';
    root.dataset.lock = lock;
    if (select) select.value = lock;
    root.hidden = !select && lock === '';
  };
  live.addEventListener('facilitation', (e) => show(e.detail));
  if (live.facilitation) show({ facilitation: live.facilitation });
  select?.addEventListener('change', () => live.facilitate({ lock: select.value }));
  return { show };
}
