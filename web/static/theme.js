// theme.js — the page's look, on every page: the colour theme, the large mode for
// projectors, and the "js" class that says the page's scripts run. It is a classic
// script loaded in the head, so that the page is drawn once, in its theme, without a
// flash of the other one.
//
// The theme follows the system (prefers-color-scheme) until the reader presses the
// header's theme switch; the choice, like the large mode's, is remembered per browser in
// localStorage ("lastmile.theme": "light" or "dark"; "lastmile.large": "1" or "0") and
// applied as html[data-theme] and html.large, which app.css reads. The help button of the
// board's tool bar opens the editor's list of shortcuts, as the "?" key does.
(() => {
  const root = document.documentElement;
  const THEME = 'lastmile.theme';
  const LARGE = 'lastmile.large';
  const dark = matchMedia('(prefers-color-scheme: dark)');

  const read = (key) => { try { return localStorage.getItem(key); } catch { return null; } };
  const write = (key, value) => { try { localStorage.setItem(key, value); } catch { /* private mode: for this page only */ } };

  root.classList.add('js');
  const apply = () => {
    const theme = read(THEME);
    if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
    else delete root.dataset.theme;
    root.classList.toggle('large', read(LARGE) === '1');
    sync();
  };
  const isDark = () => (root.dataset.theme ?? (dark.matches ? 'dark' : 'light')) === 'dark';

  // sync shows the switches' state.
  function sync() {
    for (const b of document.querySelectorAll('[data-theme-toggle]')) b.setAttribute('aria-pressed', String(isDark()));
    for (const b of document.querySelectorAll('[data-large-toggle]')) b.setAttribute('aria-pressed', String(root.classList.contains('large')));
  }

  apply();
  dark.addEventListener('change', sync);
  // Another tab of the same browser changed a switch: follow it.
  addEventListener('storage', (e) => { if (e.key === THEME || e.key === LARGE) apply(); });

  document.addEventListener('click', (e) => {
    const b = e.target.closest?.('[data-theme-toggle], [data-large-toggle], [data-help-open]');
    if (!b) return;
    if (b.matches('[data-theme-toggle]')) {
      write(THEME, isDark() ? 'light' : 'dark');
      apply();
    } else if (b.matches('[data-large-toggle]')) {
      write(LARGE, root.classList.contains('large') ? '0' : '1');
      apply();
      // The grid changed size: whatever draws over it (links, pointers) draws again.
      dispatchEvent(new Event('resize'));
    } else {
      document.dispatchEvent(new KeyboardEvent('keydown', { key: '?', bubbles: true, cancelable: true }));
    }
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', sync);
})();
