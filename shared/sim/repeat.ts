/**
 * A fixed-rate wall-clock timer: runs `fn` every `periodMs` on a schedule anchored at the first run, so a
 * slow run delays the next one but does not shift the ones after it (no drift over a long session). If a run
 * overruns whole periods, the missed ones are skipped rather than fired back to back.
 */

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const NODE_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Starts the timer (the first run is immediate); the returned function stops it. */
export function repeat(periodMs: number, fn: () => void, wallNow: () => number, timers: Timers): () => void {
  if (!(Number.isFinite(periodMs) && periodMs > 0))
    throw new RangeError(`period must be > 0 ms, got ${periodMs}`);
  let stopped = false;
  let handle: unknown;
  let due = wallNow();
  const run = (): void => {
    if (stopped) return;
    try {
      fn();
    } finally {
      if (!stopped) {
        const now = wallNow();
        due += periodMs;
        if (due < now) due += Math.ceil((now - due) / periodMs) * periodMs;
        handle = timers.setTimeout(run, due - now);
      }
    }
  };
  handle = timers.setTimeout(run, 0);
  return () => {
    stopped = true;
    timers.clearTimeout(handle);
  };
}
