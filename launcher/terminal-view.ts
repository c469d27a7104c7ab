import type { Redis } from 'ioredis';
import { PHASE_TITLES, type BootstrapStatusRead } from '../shared/bus/bootstrap-status.js';
import type { Keys } from '../shared/bus/keys.js';
import { readListSnapshots } from '../shared/bus/list-snapshots.js';
import type { ScanRow, SnapshotMessage } from '../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../shared/scan/lists.js';
import { formatListsTable } from '../orchestrator/lists-table.js';
import { formatDuration } from '../jobs/cli-progress.js';

/**
 * The lists as a terminal shows them, read back from Redis exactly as a gateway would read them: proof that
 * what is published is what a client gets. Used by `npm start` until the web page exists.
 */
export async function renderPublishedLists(redis: Redis, keys: Keys, rowsPerList: number): Promise<string> {
  const stored = await readListSnapshots(redis, keys);
  const lists = {} as Record<ListName, readonly ScanRow[]>;
  let latest: SnapshotMessage | undefined;
  for (const name of LIST_NAMES) {
    const snapshot = stored[name];
    const msg = snapshot?.ok ? snapshot.msg : undefined;
    lists[name] = msg?.rows ?? [];
    if (msg && (!latest || msg.ts > latest.ts)) latest = msg;
  }
  if (!latest) return 'waiting for the first scan…';
  const session = latest.rows[0]?.session ?? '';
  const header = `lists as of ${latest.ts} ${session} (epoch ${latest.epoch.slice(0, 8)})`;
  return `${header}\n\n${formatListsTable(lists, rowsPerList)}`;
}

/** Non-TTY output repeats an unchanged-step progress line at most this often. */
const PLAIN_PROGRESS_EVERY_MS = 10_000;
const BAR_WIDTH = 24;

/**
 * The bootstrap's line in `npm start`'s terminal: a progress bar redrawn with the lists on a TTY, plain lines
 * otherwise (a log file): one per change of state or step and at most one every 10 s in between.
 */
export class BootstrapLine {
  private lastKey = '';
  private lastPlain = -Infinity;

  constructor(private readonly tty: boolean) {}

  /** The line to show now: on a TTY the bar (or '' when there is nothing to say); otherwise a line to print or undefined. */
  next(read: BootstrapStatusRead, nowMs: number): string | undefined {
    const text = describeBootstrap(read, this.tty);
    if (this.tty) return text ?? '';
    if (text === undefined || !read.ok) return undefined;
    const key = `${read.status.state}/${read.status.phase}/${read.status.step}`;
    if (
      key === this.lastKey &&
      (read.status.state !== 'running' || nowMs - this.lastPlain < PLAIN_PROGRESS_EVERY_MS)
    )
      return undefined;
    this.lastKey = key;
    this.lastPlain = nowMs;
    return text;
  }
}

/** `warming up: history [█████░░░░] 3,412/12,000 tickers 28.4 % · 45.1/s · ETA 3m10s`; undefined when idle. */
export function describeBootstrap(read: BootstrapStatusRead, bar: boolean): string | undefined {
  if (!read.ok)
    return read.reason === 'invalid' ? `bootstrap status unreadable (${read.detail ?? ''})` : undefined;
  const s = read.status;
  switch (s.state) {
    case 'idle':
      return s.startedAt !== null && s.finishedAt === null ? `bootstrap paused: ${s.reason}` : undefined;
    case 'done':
      return `bootstrap done: ${s.reason}`;
    case 'failed':
      return `bootstrap failed: ${s.lastError ?? s.reason}`;
    case 'running': {
      const phase = s.phase === null ? 'starting' : PHASE_TITLES[s.phase];
      if (s.total === 0) return `warming up: ${phase}${s.step ? ` (${s.step})` : ''} …`;
      const fraction = Math.min(1, s.done / s.total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const parts = [
        `warming up: ${phase}${s.step && s.step !== 'backfill' ? ` (${s.step})` : ''}`,
        ...(bar ? [`[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`] : []),
        `${s.done.toLocaleString('en-US')}/${s.total.toLocaleString('en-US')} tickers ${(fraction * 100).toFixed(1)} %`,
        `· ${s.ratePerSec.toFixed(1)}/s · ETA ${s.etaSec === null ? '?' : formatDuration(s.etaSec)}`,
      ];
      if (s.errors > 0) parts.push(`· ${s.errors} error${s.errors === 1 ? '' : 's'}`);
      return parts.join(' ');
    }
  }
}
