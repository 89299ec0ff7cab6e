// copy.js — copy buttons. A button with data-copy="ID" copies the value of the input of
// that id to the clipboard and says so in its own text for a moment. Without JavaScript
// the buttons stay hidden and the input, read-only, can be selected and copied by hand.

const SHOWN = 2000; // ms the button says it copied

function start() {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const input = document.getElementById(button.dataset.copy);
    if (!input) continue;
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener('click', async () => {
      input.select();
      let ok = false;
      try {
        await navigator.clipboard.writeText(input.value);
        ok = true;
      } catch {
        // No clipboard API outside secure contexts: the older command still works there.
        ok = document.execCommand('copy');
      }
      if (!ok) return; // the text stays selected for the reader to copy
      button.textContent = button.dataset.copied ?? label;
      setTimeout(() => { button.textContent = label; }, SHOWN);
    });
  }
}

start();
