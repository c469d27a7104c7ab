/*
 * Conflation policy (SPEC §8: a slow client never slows others nor grows memory without bound).
 *
 * Sizes: a fully populated row is 767 B of JSON (measured), so a 20-row snapshot is ≈ 15 KB and a snapshot of
 * all 11 lists ≈ 170 KB; a normal stream is ≈ 11 small deltas per 5 s scan plus hot rescans (a few KB/s).
 *
 * - `maxBackpressureBytes` (default 1 MiB) is uWS's hard per-socket cap: above it uWS drops what we send.
 * - Past CONFLATE_AT = cap / 2 (512 KiB ≈ 34 list snapshots behind) the socket leaves its list topics: it
 *   gets no more deltas. Half the cap stays free so that a full resync of all 11 lists still fits below it.
 *   Every publish batch is followed (same tick) by a scan of buffered amounts, so a message uWS dropped at the
 *   cap is always seen as conflation, never as a silent gap.
 * - Once drained to RESUME_AT = cap / 16 (64 KiB) (uWS `drain` event, or the 1 s sweep) it rejoins its topics
 *   and gets the current snapshot of each of its lists: it skipped the deltas in between, not their effect.
 * - Still above RESUME_AT `slowConsumerTimeoutMs` (default 30 s) after conflation began → `slow_consumer`
 *   error frame and close frame (1008, reason `slow_consumer: …`). They queue behind the unread backlog (one TCP
 *   stream) and uWS drops whatever is sent past its cap, which a publish burst may already have crossed
 *   (uWS delivers topic messages after our check): so they are sent only once they fit below the cap
 *   (FINAL_FRAMES_BYTES of room), at once or as soon as the client reads some. A client that has not made
 *   that room another `slowConsumerTimeoutMs` later is cut without them (it would not read them anyway):
 *   a stuck client costs at most the cap in memory, for at most twice the timeout (plus uWS's ≈ 16 s wait
 *   for a close reply).
 *
 * This module only decides; client-ops.ts and fan-out.ts do the I/O (uWS send/subscribe/end, metrics, logs) each
 * decision names, so the policy is tested with plain numbers for time and buffered bytes.
 */

const DEFAULT_MAX_BACKPRESSURE = 1024 * 1024;
const DEFAULT_SLOW_CONSUMER_TIMEOUT_MS = 30_000;
/** Room a slow consumer's last frames need below the cap: the error (≈ 100 B) and the close frame (≤ 127 B). */
export const FINAL_FRAMES_BYTES = 1024;
/** Client messages per socket per second; more get `rate_limited` and are ignored. */
export const RATE_LIMIT_PER_SECOND = 50;
const RATE_WINDOW_MS = 1000;
/** Bad frames (bad_request / unknown_list) a socket may send before it is closed. */
export const MAX_BAD_MESSAGES = 5;

/** The thresholds every client of one gateway shares, derived once from its options. */
export interface ClientLimits {
  /** uWS `maxBackpressure`: above it uWS drops what we send. */
  readonly maxBackpressureBytes: number;
  /** Buffered bytes above which a socket is conflated (cap / 2). */
  readonly conflateAtBytes: number;
  /** Buffered bytes at or below which a conflated socket resumes (cap / 16). */
  readonly resumeAtBytes: number;
  /** How long a socket may stay conflated above `resumeAtBytes` before it is closed. */
  readonly slowConsumerTimeoutMs: number;
  /** Buffered bytes at or below which the slow_consumer frames fit (cap − FINAL_FRAMES_BYTES). */
  readonly finalFramesFitBytes: number;
  /** Period of the sweep: often enough to honour a short timeout (tests), at most 1 s. */
  readonly sweepIntervalMs: number;
}

export function clientLimits(options: {
  readonly maxBackpressureBytes?: number | undefined;
  readonly slowConsumerTimeoutMs?: number | undefined;
}): ClientLimits {
  const cap = options.maxBackpressureBytes ?? DEFAULT_MAX_BACKPRESSURE;
  const slowConsumerTimeoutMs = options.slowConsumerTimeoutMs ?? DEFAULT_SLOW_CONSUMER_TIMEOUT_MS;
  return {
    maxBackpressureBytes: cap,
    conflateAtBytes: cap / 2,
    resumeAtBytes: cap / 16,
    slowConsumerTimeoutMs,
    finalFramesFitBytes: cap - FINAL_FRAMES_BYTES,
    sweepIntervalMs: Math.min(1000, Math.max(50, slowConsumerTimeoutMs / 4)),
  };
}

/**
 * What to do with a client frame: handle it; drop it after telling the client it is rate-limited (once per
 * window); or drop it silently.
 */
export type MessageDecision = 'accept' | 'notify_rate_limited' | 'drop';
/** After a bad frame: keep the socket, or close it (too many bad frames). */
export type BadMessageDecision = 'continue' | 'close';
/** After a send or a publish batch: the socket has just fallen behind (leave its topics), or nothing to do. */
export type BackpressureDecision = 'conflate' | 'ok';
/**
 * For a socket's backlog on drain or sweep: it drained (rejoin topics, send snapshots); it stayed stuck too
 * long and its final frames fit (`slow_consumer` error, close); it never made room for them (cut it); or nothing
 * to do yet (live, still draining, or waiting for room for the final frames).
 */
export type BacklogDecision = 'resume' | 'close_slow' | 'terminate' | 'wait';

/**
 * One socket's policy state: its rate-limit window, its bad-frame count and whether it is conflated. Methods
 * take the facts (time in ms, buffered bytes) and return the decision, updating the state it implies.
 */
export class ClientPolicy {
  private windowStart = 0;
  private windowCount = 0;
  private badMessages = 0;
  /** ms when the socket was taken off its topics for backpressure; undefined when live. */
  private conflatedSince: number | undefined = undefined;
  /** ms when the socket was judged a slow consumer; undefined before. */
  private closingSince: number | undefined = undefined;
  private closed = false;

  constructor(private readonly limits: ClientLimits) {}

  /** Off its list topics for backpressure: it gets its snapshots when it drains, not now. */
  get conflated(): boolean {
    return this.conflatedSince !== undefined;
  }

  /** A client frame arrived at `now`. */
  onMessage(now: number): MessageDecision {
    if (now - this.windowStart >= RATE_WINDOW_MS) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    if (this.windowCount <= RATE_LIMIT_PER_SECOND) return 'accept';
    // One error per window: answering every excess frame would amplify the flood.
    return this.windowCount === RATE_LIMIT_PER_SECOND + 1 ? 'notify_rate_limited' : 'drop';
  }

  /** The frame just accepted was not a valid message (its error is sent either way). */
  onBadMessage(): BadMessageDecision {
    this.badMessages++;
    return this.badMessages >= MAX_BAD_MESSAGES ? 'close' : 'continue';
  }

  /**
   * After a send (`dropped`: uWS refused it at the cap) or a publish batch (`dropped` false): 'conflate' once,
   * when a live socket is past the conflation threshold; conflation starts at `now`.
   */
  afterSend(now: number, bufferedBytes: number, dropped = false): BackpressureDecision {
    if (this.conflated) return 'ok';
    if (!dropped && bufferedBytes <= this.limits.conflateAtBytes) return 'ok';
    this.conflatedSince = now;
    return 'conflate';
  }

  /** uWS `drain`: the fast path back, or room made for the final frames of a slow consumer. */
  onDrain(now: number, bufferedBytes: number): BacklogDecision {
    if (this.closingSince !== undefined) return this.closeStep(now, bufferedBytes);
    return this.resumeIfDrained(bufferedBytes) ? 'resume' : 'wait';
  }

  /** The periodic sweep: also catches a socket that drained without a `drain` event, and a stuck one. */
  onSweep(now: number, bufferedBytes: number): BacklogDecision {
    if (this.closingSince !== undefined) return this.closeStep(now, bufferedBytes);
    const since = this.conflatedSince;
    if (since === undefined) return 'wait';
    if (this.resumeIfDrained(bufferedBytes)) return 'resume';
    if (now - since <= this.limits.slowConsumerTimeoutMs) return 'wait';
    this.closingSince = now;
    return this.closeStep(now, bufferedBytes);
  }

  /** A slow consumer: its final frames once they fit, once; cut after another timeout without room. */
  private closeStep(now: number, bufferedBytes: number): BacklogDecision {
    if (this.closed) return 'wait';
    if (bufferedBytes <= this.limits.finalFramesFitBytes) {
      this.closed = true;
      return 'close_slow';
    }
    if (now - (this.closingSince ?? now) <= this.limits.slowConsumerTimeoutMs) return 'wait';
    this.closed = true;
    return 'terminate';
  }

  private resumeIfDrained(bufferedBytes: number): boolean {
    if (!this.conflated || bufferedBytes > this.limits.resumeAtBytes) return false;
    this.conflatedSince = undefined;
    return true;
  }
}
