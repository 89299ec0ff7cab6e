// export.js — the board's PDF and PNG exports without leaving the page. The server renders
// them in its Chromium, which takes a few seconds for a large board: a click on one of the
// links (a[data-export]) fetches it while the status line says what is being prepared
// (announced politely) with a bar that moves, then saves the file under the link's name
// and says it is ready, with a link to save it again. A refusal (the server is busy, has
// no Chromium, the board is too large) is shown and announced as the server words it, in
// the page's language. One export at a time: the links wait meanwhile. Without
// JavaScript the links download the files as plain links do.

const menu = document.querySelector('[data-export-menu]');
const box = document.querySelector('[data-export-status]');

let busy = false;
let saved = null; // the object URL of the last file, given back when the next one starts

function setText(el, text) {
  if (el) el.textContent = text;
}

async function exportFile(link) {
  const kind = link.dataset.export; // pdf or png
  const message = box.querySelector('[data-export-message]');
  const error = box.querySelector('[data-export-error]');
  const again = box.querySelector('[data-export-again]');
  const progress = box.querySelector('[data-export-progress]');
  busy = true;
  menu.setAttribute('aria-busy', 'true');
  box.hidden = false;
  progress.hidden = false;
  again.hidden = true;
  setText(error, '');
  setText(message, box.dataset[kind === 'png' ? 'preparingPng' : 'preparingPdf']);
  if (saved) {
    URL.revokeObjectURL(saved);
    saved = null;
  }
  try {
    const res = await fetch(link.href, {
      headers: { Accept: kind === 'png' ? 'image/png, application/json' : 'application/pdf, application/json' },
      credentials: 'same-origin',
    });
    if (!res.ok) {
      let text = `${res.status} ${res.statusText}`;
      try {
        const body = await res.json();
        if (body?.error?.message) text = body.error.message;
      } catch {
        // not JSON: the status says enough
      }
      throw new Error(text);
    }
    const blob = await res.blob();
    saved = URL.createObjectURL(blob);
    again.href = saved;
    again.download = link.getAttribute('download') || `board.${kind}`;
    again.hidden = false;
    setText(message, box.dataset[kind === 'png' ? 'readyPng' : 'readyPdf']);
    // The same link, clicked for the reader, saves the file once.
    again.click();
  } catch (e) {
    setText(message, '');
    setText(error, `${box.dataset.failed} ${e.message}`);
  } finally {
    progress.hidden = true;
    busy = false;
    menu.removeAttribute('aria-busy');
  }
}

function start() {
  if (!menu || !box) return;
  menu.addEventListener('click', (ev) => {
    const link = ev.target.closest('a[data-export]');
    if (!link || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    if (!busy) exportFile(link);
  });
}

start();
