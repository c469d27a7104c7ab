import type { TickerMatch } from '../../shared/db/tickers.js';
import { api } from './connection.js';
import { element } from './dom.js';
import { listTitle } from './format.js';
import { rankMatches, type Match } from './search-match.js';

/*
 * The symbol search, keyboard-first: `/` focuses it from anywhere, typing shows matches at once from the rows
 * the page holds and then from the gateway's reference data (`/api/tickers?q=`), ↑/↓ choose, Enter opens the
 * detail, Escape leaves. Without a database the live rows still answer; the list says so.
 */

const LIMIT = 10;
const DEBOUNCE_MS = 120;

export interface SearchOptions {
  readonly input: HTMLInputElement;
  readonly results: HTMLElement;
  /** Every row the page holds now, with the list it is in. */
  readonly localMatches: () => Iterable<Match>;
  readonly onPick: (symbol: string) => void;
}

export class SymbolSearch {
  private matches: Match[] = [];
  private active = 0;
  private remote: readonly Match[] = [];
  private asked = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private note = '';

  constructor(private readonly o: SearchOptions) {
    const { input } = o;
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-controls', o.results.id);
    input.setAttribute('aria-expanded', 'false');
    input.addEventListener('input', () => this.query());
    input.addEventListener('keydown', (e) => this.key(e));
    input.addEventListener('blur', () => setTimeout(() => this.show(false), 150));
    input.addEventListener('focus', () => this.draw());
    document.addEventListener('keydown', (e) => {
      const target = e.target as HTMLElement;
      if (e.key !== '/' || target.closest('input, select, textarea')) return;
      e.preventDefault();
      input.focus();
      input.select();
    });
  }

  private query(): void {
    const q = this.o.input.value.trim();
    this.remote = [];
    this.note = '';
    this.active = 0;
    this.draw();
    clearTimeout(this.timer);
    if (q.length === 0) return;
    const id = ++this.asked;
    this.timer = setTimeout(() => {
      api<{ tickers: TickerMatch[] }>(`/api/tickers?q=${encodeURIComponent(q)}&limit=${LIMIT}`)
        .then(({ tickers }) => {
          if (id !== this.asked) return; // an older answer arriving after a newer query
          this.remote = tickers;
          this.draw();
        })
        .catch(() => {
          if (id !== this.asked) return;
          this.note = 'Reference data unavailable: showing symbols in the lists only';
          this.draw();
        });
    }, DEBOUNCE_MS);
  }

  private key(e: KeyboardEvent): void {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (this.matches.length === 0) return;
      const by = e.key === 'ArrowDown' ? 1 : -1;
      this.active = (this.active + by + this.matches.length) % this.matches.length;
      this.draw();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const q = this.o.input.value.trim().toUpperCase();
      const pick = this.matches[this.active]?.symbol ?? (q.length > 0 ? q : undefined);
      if (pick) this.pick(pick);
    } else if (e.key === 'Escape') {
      this.o.input.value = '';
      this.query();
      this.o.input.blur();
    }
  }

  private pick(symbol: string): void {
    this.o.input.value = '';
    this.matches = [];
    this.show(false);
    this.o.input.blur();
    this.o.onPick(symbol);
  }

  private draw(): void {
    const q = this.o.input.value;
    this.matches = rankMatches([...this.o.localMatches(), ...this.remote], q, LIMIT);
    this.active = Math.min(this.active, Math.max(0, this.matches.length - 1));
    const items = this.matches.map((m, i) => {
      const li = element(
        'li',
        { className: i === this.active ? 'active' : '' },
        element('b', { text: m.symbol }),
        element('span', { className: 'company', text: m.companyName ?? '' }),
        element('span', { className: 'where', text: m.inList ? listTitle(m.inList) : '' }),
      );
      li.id = `search-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === this.active));
      li.dataset.symbol = m.symbol;
      // mousedown, not click: it fires before the input's blur hides the list.
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        this.pick(m.symbol);
      });
      return li;
    });
    if (q.trim().length > 0 && items.length === 0) {
      items.push(element('li', { className: 'none', text: `No symbol matches “${q.trim()}”` }));
    }
    if (this.note) items.push(element('li', { className: 'none', text: this.note }));
    this.o.results.replaceChildren(...items);
    if (this.matches.length > 0) this.o.input.setAttribute('aria-activedescendant', `search-${this.active}`);
    else this.o.input.removeAttribute('aria-activedescendant');
    this.show(items.length > 0 && document.activeElement === this.o.input);
  }

  private show(open: boolean): void {
    this.o.results.hidden = !open;
    this.o.input.setAttribute('aria-expanded', String(open));
  }
}
