import type { BootstrapStatus } from '../../shared/bus/bootstrap-status.js';

/*
 * The web page's "warming up" banner from `/health`'s `bootstrap` field (shared/bus/bootstrap-status.ts).
 * Pure, so it is tested without a browser; only types come from the contract module (its zod schema would
 * weigh more than the page).
 */

const PHASES: Readonly<Record<string, string>> = {
  check: 'checking stored data',
  metadata: 'reference data',
  history: 'history',
};

const COUNT = new Intl.NumberFormat('en-US');

export interface Banner {
  readonly text: string;
  readonly tone: 'info' | 'error';
}

/** `Warming up: history 3,412 / 12,000 tickers · ETA 4 min`; null when there is nothing to say. */
export function bootstrapBanner(value: unknown): Banner | null {
  if (typeof value !== 'object' || value === null) return null;
  const s = value as Partial<BootstrapStatus>;
  if (s.state === 'failed') {
    return { text: `Warm-up failed: ${s.lastError ?? s.reason ?? 'unknown error'}`, tone: 'error' };
  }
  if (s.state !== 'running') return null;
  const phase = PHASES[s.phase ?? ''] ?? 'starting';
  const done = typeof s.done === 'number' ? s.done : 0;
  const total = typeof s.total === 'number' ? s.total : 0;
  const parts = [`Warming up: ${phase}`];
  if (total > 0) parts[0] += ` ${COUNT.format(done)} / ${COUNT.format(total)} tickers`;
  if (typeof s.etaSec === 'number' && total > 0) parts.push(`ETA ${formatEta(s.etaSec)}`);
  parts.push('RVOL and reference fields fill in as it goes');
  return { text: parts.join(' · '), tone: 'info' };
}

/** 42 → "42 s", 250 → "4 min", 7300 → "2 h 2 min". */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
