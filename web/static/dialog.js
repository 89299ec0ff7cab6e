// dialog.js — what the page's dialogs share.

// focusLeftAlone reports whether, when a dialog's close event comes, the focus is still
// where the closing left it: nowhere (the page's body), in the dialog, or on opener, the
// element focused when the dialog opened, to which the browser gives it back. The close
// event comes in a task of its own after the closing, and a key or a click meanwhile may
// have moved the focus on (Shift+N to a new stage's name, a card focused to move it):
// the dialog's handler must not take it back.
export function focusLeftAlone(dialog, opener) {
  const at = document.activeElement;
  return !at || at === document.body || at === opener || dialog.contains(at);
}
