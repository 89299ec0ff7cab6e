// filter.js — highlights the cards of one team. The legend's entries are buttons
// (aria-pressed); pressing one dims the cards of every other team, and says so to
// assistive technology; pressing it again shows all cards alike. The filter belongs to
// the reader alone (no op is sent), works on read-only pages, and marks the cards and
// teams the renderer draws anew. Texts come from the legend's data attributes.

import { fill } from './live-core.js';

/**
 * startFilter makes the legend of article's board filter its cards.
 * @param {HTMLElement} article the article.board
 * @param {EventTarget} [live] the page's LiveBoard: when presence changes, the editor
 *   rewrites the cards' descriptions, and the filter adds its note again after it
 * @returns {TeamFilter}
 */
export function startFilter(article, live) {
  return new TeamFilter(article, live);
}

export class TeamFilter {
  constructor(article, live) {
    this.article = article;
    this.live = live;
    this.team = ''; // the highlighted team's id, or ''
    article.addEventListener('click', (e) => {
      const button = e.target.closest?.('button[data-team-filter]');
      if (button && article.contains(button)) this.toggle(button.dataset.teamFilter);
    });
    article.addEventListener('board:render', (e) => {
      const ch = e.detail;
      if (this.team && (ch.team.size || ch.card.size)) this.apply(false, ch.team.size ? null : ch.card);
    });
    live?.addEventListener('peers', () => setTimeout(() => { if (this.team) this.apply(false); }, 0));
  }

  // toggle highlights team, or shows every card when team is highlighted already.
  toggle(team) {
    this.team = this.team === team ? '' : team;
    this.apply(true);
  }

  // apply marks the legend's buttons and the cards for the current team: every card, or
  // the cards of the ids only. A team that is gone (deleted meanwhile) clears the filter.
  apply(announce, ids = null) {
    const legend = this.article.querySelector('[data-legend]');
    const buttons = [...this.article.querySelectorAll('button[data-team-filter]')];
    if (this.team && !buttons.some((b) => b.dataset.teamFilter === this.team)) {
      this.team = '';
      announce = true;
    }
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.teamFilter === this.team));
    if (this.team) this.article.dataset.teamFilter = this.team;
    else delete this.article.dataset.teamFilter;
    const other = legend?.dataset.otherTeam ?? '';
    const cards = ids ? [...ids].map((id) => this.article.querySelector(`.card[data-card-id="${CSS.escape(id)}"]`)).filter(Boolean)
      : this.article.querySelectorAll('.card[data-card-id]');
    for (const card of cards) {
      const dim = this.team !== '' && card.dataset.team !== this.team;
      card.classList.toggle('dimmed', dim);
      if (dim) card.dataset.filterNote = other;
      else delete card.dataset.filterNote;
      // A lock note of the editor may be there too; the filter's note goes after it.
      const notes = [card.dataset.lockedBy, card.dataset.filterNote].filter(Boolean);
      if (notes.length) card.setAttribute('aria-description', notes.join('. '));
      else card.removeAttribute('aria-description');
    }
    const status = legend?.querySelector('[data-filter-status]');
    if (!announce || !status) return;
    const name = this.live?.view()?.teams.get(this.team)?.name ?? '';
    status.textContent = this.team ? fill(legend.dataset.showing ?? '', { name }) : (legend.dataset.cleared ?? '');
  }
}
