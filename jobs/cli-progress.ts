import type { JobProgress } from './progress.js';

/*
 * Progress of a reference job in a terminal: one line rewritten in place (`\r`) when the output is a TTY,
 * otherwise (a log file, CI) one line per 5 % and per phase, so a 12 000-symbol run logs ~20 lines instead
 * of 12 000 or none.
 */

export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** TTY redraws at most this often: the terminal cannot show more, and writes cost. */
const REDRAW_MS = 100;
const STEP_PERCENT = 5;

export class ProgressPrinter {
  private phase: string | undefined;
  private step = -1;
  private lastDraw = -Infinity;
  private lineOpen = false;

  constructor(
    private readonly out: ProgressOutput = process.stdout,
    private readonly now: () => number = () => performance.now(),
  ) {}

  readonly update = (p: JobProgress): void => {
    const phaseChanged = p.phase !== this.phase;
    this.phase = p.phase;
    if (this.out.isTTY === true) {
      const t = this.now();
      if (!phaseChanged && p.done < p.total && t - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = t;
      if (phaseChanged && this.lineOpen) this.out.write('\n');
      // \x1b[K clears what a longer previous line left on the right.
      this.out.write(`\r${formatProgress(p)}\x1b[K`);
      this.lineOpen = true;
      return;
    }
    const step = p.total === 0 ? 100 : Math.floor((p.done / p.total) * (100 / STEP_PERCENT)) * STEP_PERCENT;
    if (!phaseChanged && step === this.step) return;
    this.step = step;
    this.out.write(`${formatProgress(p)}\n`);
  };

  /** Ends the TTY line so what follows starts on a fresh one. */
  finish(): void {
    if (this.lineOpen) this.out.write('\n');
    this.lineOpen = false;
  }
}

/** `backfill  1234/12000  10.3 %  45.2 symbols/s  ETA 3m58s  2 errors` */
export function formatProgress(p: JobProgress): string {
  // A phase of unknown size (listing the universe) only says that it is running.
  if (p.total === 0 && p.done === 0) return `${p.phase.padEnd(8)}  …`;
  const percent = p.total === 0 ? 100 : (p.done / p.total) * 100;
  const parts = [
    p.phase.padEnd(8),
    `${p.done}/${p.total}`,
    `${percent.toFixed(1)} %`,
    `${p.symbolsPerSec.toFixed(p.symbolsPerSec < 10 ? 2 : 1)} symbols/s`,
    `ETA ${p.etaSec === null ? '?' : formatDuration(p.etaSec)}`,
  ];
  if (p.errors > 0) parts.push(`${p.errors} error${p.errors === 1 ? '' : 's'}`);
  return parts.join('  ');
}

/** 3725 → "1h2m5s", 42.4 → "42s". */
export function formatDuration(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}
