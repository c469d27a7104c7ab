import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/** A condition did not hold within its time limit. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    lastError: unknown,
  ) {
    const why = lastError instanceof Error ? `; last failure: ${lastError.message}` : '';
    super(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  /** Gives up after this long (default 5 s). */
  readonly timeoutMs?: number;
  /** What is awaited, for the timeout message (default: the condition's source text). */
  readonly what?: string;
  /** Time between two checks (default 10 ms). */
  readonly intervalMs?: number;
}

/**
 * The one polling helper of the tests: resolves with the condition's result once it holds, checking it every
 * `intervalMs`; rejects with a WaitTimeoutError after `timeoutMs`.
 *
 * The condition holds when it returns (or resolves) anything but `false` without throwing, so it is either a
 * predicate (`() => o.counters.scans === 2`) or an assertion (`() => expect(frames).toHaveLength(1)`, whose last
 * failure the timeout message quotes). It sleeps on node:timers, which vitest's fake timers leave alone.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  opts: WaitOptions = {},
): Promise<Exclude<T, false>> {
  const { timeoutMs = 5_000, intervalMs = 10 } = opts;
  const end = performance.now() + timeoutMs;
  for (;;) {
    let lastError: unknown;
    try {
      const result = await condition();
      if (result !== false) return result as Exclude<T, false>;
    } catch (e) {
      lastError = e;
    }
    if (performance.now() >= end) {
      throw new WaitTimeoutError(opts.what ?? condition.toString(), timeoutMs, lastError);
    }
    await delay(intervalMs);
  }
}
