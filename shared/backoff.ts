/*
 * How long to wait before trying the vendor again: capped exponential backoff with full jitter, the
 * `Retry-After` header, and an abortable sleep. Full jitter (a uniform draw in [0, cap)) rather than
 * "exponential ± a little" because after a vendor outage every process reconnects at once; spreading them
 * over the whole window is what keeps the reconnect storm from tripping rate limits again (AWS
 * Architecture Blog, "Exponential Backoff And Jitter").
 */

export interface BackoffOptions {
  /** Cap of the first delay, ms. Default 250. */
  readonly initialMs?: number;
  /** Largest cap, ms. Default 30 000. */
  readonly maxMs?: number;
  /** Growth of the cap per attempt. Default 2. */
  readonly factor?: number;
  /** Uniform draw in [0, 1); injectable so tests get exact delays. Default Math.random. */
  readonly random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 250;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs >= 0) || !(this.maxMs >= this.initialMs) || !(this.factor >= 1)) {
      throw new RangeError(`bad backoff ${this.initialMs}..${this.maxMs} ×${this.factor}`);
    }
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The cap for the current attempt: min(maxMs, initialMs × factor^attempt). */
  get capMs(): number {
    return Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
  }

  /** The delay before the next try, uniform in [0, cap), and one more attempt counted. */
  next(): number {
    const delay = Math.floor(this.random() * this.capMs);
    this.attempt++;
    return delay;
  }

  /** After a success: the next failure starts from `initialMs` again. */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * `Retry-After` in milliseconds: either delta-seconds (`"6"`) or an HTTP date (RFC 9110 §10.2.3). Past dates
 * give 0; anything unparseable gives undefined (the caller falls back to its own backoff).
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Waits `ms`, or less if `signal` aborts first; never rejects, so a loop can write
 * `await sleep(d, signal); if (closed) break;`. The timer is cleared either way.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
