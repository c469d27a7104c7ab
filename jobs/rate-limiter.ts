/*
 * Client-side pacing of vendor requests (docs/vendor.md §7.1): the free plan allows 5 requests a minute, paid
 * plans are "unlimited" but the vendor asks to stay under 100/s. A token bucket shared by every concurrent
 * task of a job keeps the whole job under the rate, whatever its concurrency.
 */

export interface RateLimit {
  /** Sustained requests per second (5/min = 5 / 60). */
  readonly perSecond: number;
  /**
   * Requests allowed back to back after an idle spell. Default 1 below 1 req/s — the free plan's
   * "5 per minute" is enforced over a window, so a burst of 5 followed by one every 12 s would put 9
   * requests in some minute and earn 429s — else the whole number of requests per second.
   */
  readonly burst?: number;
}

/** The free plan: 5 requests per minute, one every 12 s. */
export const FREE_PLAN_RATE: RateLimit = { perSecond: 5 / 60, burst: 1 };
/** Paid plans: well under the vendor's "stay below 100/s" advice, with room for a second job. */
export const PAID_PLAN_RATE: RateLimit = { perSecond: 50 };

export function planRateLimit(freePlan: boolean): RateLimit {
  return freePlan ? FREE_PLAN_RATE : PAID_PLAN_RATE;
}

/** The job's bucket: the one given (shared with other work), else a bucket of its own at `rate` (default paid). */
export function bucketFor(rate: RateLimit | TokenBucket | undefined): TokenBucket {
  return rate instanceof TokenBucket ? rate : new TokenBucket(rate ?? PAID_PLAN_RATE);
}

export class TokenBucket {
  readonly perSecond: number;
  readonly burst: number;
  /** Tokens handed out so far (= requests made through this bucket). */
  taken = 0;
  private tokens: number;
  private last: number;
  /** Takers queue in order, so a waiting request is never overtaken by a later one. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.perSecond > 0) || !Number.isFinite(limit.perSecond)) {
      throw new RangeError(`rate must be a positive number of requests per second, got ${limit.perSecond}`);
    }
    this.perSecond = limit.perSecond;
    this.burst = limit.burst ?? Math.max(1, Math.floor(limit.perSecond));
    if (!(this.burst >= 1)) throw new RangeError(`burst must be at least 1, got ${this.burst}`);
    this.tokens = this.burst;
    this.last = this.now();
  }

  /**
   * Resolves when a request may be sent. Rejects with the signal's reason if it aborts while waiting (and
   * the token is not consumed).
   */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.tail.then(() => this.waitForToken(signal));
    // The next taker waits for this one whatever happens to it, but must not inherit its rejection.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async waitForToken(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        this.taken++;
        return;
      }
      await abortableDelay(((1 - this.tokens) / this.perSecond) * 1000, signal);
    }
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}

/** Resolves after `ms`, rejects with the signal's reason as soon as it aborts. */
function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // The signal's own reason, as fetch() and timers/promises reject with: callers tell an abort by it.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- propagated as is, see above
    const abort = () => reject(signal?.reason);
    if (signal?.aborted) return abort();
    const onAbort = () => {
      clearTimeout(timer);
      abort();
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(1, Math.ceil(ms)),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
