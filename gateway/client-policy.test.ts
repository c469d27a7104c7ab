import { describe, expect, it } from 'vitest';
import {
  ClientPolicy,
  clientLimits,
  FINAL_FRAMES_BYTES,
  MAX_BAD_MESSAGES,
  RATE_LIMIT_PER_SECOND,
  type MessageDecision,
} from './client-policy.js';

const CAP = 1024 * 1024;
const CONFLATE_AT = CAP / 2;
const RESUME_AT = CAP / 16;
const TIMEOUT_MS = 30_000;
const limits = clientLimits({ maxBackpressureBytes: CAP, slowConsumerTimeoutMs: TIMEOUT_MS });
/** An arbitrary wall-clock start, far from 0 like Date.now(). */
const T0 = 1_700_000_000_000;

/** The decisions for `count` frames all arriving at `now`. */
function frames(policy: ClientPolicy, count: number, now: number): MessageDecision[] {
  return Array.from({ length: count }, () => policy.onMessage(now));
}

/** A policy whose socket was conflated at `since`. */
function conflatedAt(since: number): ClientPolicy {
  const policy = new ClientPolicy(limits);
  expect(policy.afterSend(since, CONFLATE_AT + 1)).toBe('conflate');
  return policy;
}

describe('clientLimits', () => {
  it('defaults to a 1 MiB cap, conflation above 512 KiB, resumption at 64 KiB and a 30 s timeout', () => {
    expect(clientLimits({})).toEqual({
      maxBackpressureBytes: 1024 * 1024,
      conflateAtBytes: 512 * 1024,
      resumeAtBytes: 64 * 1024,
      slowConsumerTimeoutMs: 30_000,
      finalFramesFitBytes: 1024 * 1024 - FINAL_FRAMES_BYTES,
      sweepIntervalMs: 1000,
    });
  });

  it('sweeps four times per timeout, but never more often than every 50 ms nor less than every second', () => {
    expect(clientLimits({ slowConsumerTimeoutMs: 200 }).sweepIntervalMs).toBe(50);
    expect(clientLimits({ slowConsumerTimeoutMs: 100 }).sweepIntervalMs).toBe(50);
    expect(clientLimits({ slowConsumerTimeoutMs: 2000 }).sweepIntervalMs).toBe(500);
    expect(clientLimits({ slowConsumerTimeoutMs: 60_000 }).sweepIntervalMs).toBe(1000);
  });
});

describe('ClientPolicy rate limit', () => {
  it('accepts the 50th message of a window, rate-limits the 51st with one notice and drops the 52nd silently', () => {
    expect(RATE_LIMIT_PER_SECOND).toBe(50);
    const policy = new ClientPolicy(limits);
    const decisions = frames(policy, 52, T0);
    expect(decisions.slice(0, 50).every((d) => d === 'accept')).toBe(true);
    expect(decisions[50]).toBe('notify_rate_limited');
    expect(decisions[51]).toBe('drop');
    expect(frames(policy, 100, T0 + 500).every((d) => d === 'drop')).toBe(true);
  });

  it('keeps the window until 999 ms after its first message and opens a new one at 1000 ms', () => {
    const policy = new ClientPolicy(limits);
    frames(policy, 50, T0);
    expect(policy.onMessage(T0 + 999)).toBe('notify_rate_limited');
    expect(frames(policy, 50, T0 + 1000).every((d) => d === 'accept')).toBe(true);
    expect(policy.onMessage(T0 + 1000)).toBe('notify_rate_limited');
  });

  it('starts a window at the first message, not at a fixed second boundary', () => {
    const policy = new ClientPolicy(limits);
    frames(policy, 50, T0 + 700);
    // 300 ms later is still the same window, even though the wall-clock second changed.
    expect(policy.onMessage(T0 + 1000)).toBe('notify_rate_limited');
    expect(policy.onMessage(T0 + 1700)).toBe('accept');
  });
});

describe('ClientPolicy bad messages', () => {
  it('keeps the socket for 4 bad messages and closes it on the 5th', () => {
    expect(MAX_BAD_MESSAGES).toBe(5);
    const policy = new ClientPolicy(limits);
    expect([1, 2, 3, 4].map(() => policy.onBadMessage())).toEqual([
      'continue',
      'continue',
      'continue',
      'continue',
    ]);
    expect(policy.onBadMessage()).toBe('close');
  });

  it('counts bad messages over the whole connection, not per rate-limit window', () => {
    const policy = new ClientPolicy(limits);
    for (let i = 0; i < 4; i++) {
      policy.onMessage(T0 + i * 5000);
      policy.onBadMessage();
    }
    expect(policy.onMessage(T0 + 20_000)).toBe('accept');
    expect(policy.onBadMessage()).toBe('close');
  });
});

describe('ClientPolicy conflation', () => {
  it('stays live with exactly cap / 2 buffered and conflates one byte above it', () => {
    const policy = new ClientPolicy(limits);
    expect(policy.afterSend(T0, CONFLATE_AT)).toBe('ok');
    expect(policy.conflated).toBe(false);
    expect(policy.afterSend(T0, CONFLATE_AT + 1)).toBe('conflate');
    expect(policy.conflated).toBe(true);
  });

  it('conflates on a send uWS dropped at the cap, whatever it reports as buffered', () => {
    const policy = new ClientPolicy(limits);
    expect(policy.afterSend(T0, 0, true)).toBe('conflate');
    expect(policy.conflated).toBe(true);
  });

  it('decides to conflate once: later sends of a conflated socket are ok', () => {
    const policy = conflatedAt(T0);
    expect(policy.afterSend(T0 + 1, CAP, true)).toBe('ok');
    expect(policy.afterSend(T0 + 2, CAP)).toBe('ok');
    expect(policy.conflated).toBe(true);
  });

  it('resumes on drain at exactly cap / 16 buffered, not one byte above', () => {
    const policy = conflatedAt(T0);
    expect(policy.onDrain(T0, RESUME_AT + 1)).toBe('wait');
    expect(policy.conflated).toBe(true);
    expect(policy.onDrain(T0, RESUME_AT)).toBe('resume');
    expect(policy.conflated).toBe(false);
  });

  it('resumes on the sweep at cap / 16, even past the timeout', () => {
    const policy = conflatedAt(T0);
    expect(policy.onSweep(T0 + 500, RESUME_AT + 1)).toBe('wait');
    expect(policy.onSweep(T0 + TIMEOUT_MS + 1, RESUME_AT)).toBe('resume');
    expect(policy.conflated).toBe(false);
  });

  it('has nothing to do on drain or sweep for a live socket, however much is buffered', () => {
    const policy = new ClientPolicy(limits);
    expect(policy.onDrain(T0, 0)).toBe('wait');
    expect(policy.onSweep(T0 + 10 * TIMEOUT_MS, CONFLATE_AT)).toBe('wait');
  });

  it('closes a slow consumer 1 ms after the timeout, not at it', () => {
    const policy = conflatedAt(T0);
    expect(policy.onSweep(T0 + TIMEOUT_MS, CONFLATE_AT)).toBe('wait');
    expect(policy.onSweep(T0 + TIMEOUT_MS + 1, CONFLATE_AT)).toBe('close_slow');
    // Once: later sweeps and drains (its close is under way) have nothing to do, not even resume.
    expect(policy.onSweep(T0 + TIMEOUT_MS + 2, 0)).toBe('wait');
    expect(policy.onDrain(T0 + TIMEOUT_MS + 3, 0)).toBe('wait');
  });

  it('sends a slow consumer its final frames only once they fit below the cap, on drain or sweep', () => {
    const fit = CAP - FINAL_FRAMES_BYTES;
    const policy = conflatedAt(T0);
    // Past the cap (a publish burst crossed it): uWS would drop the error and the close frame.
    expect(policy.onSweep(T0 + TIMEOUT_MS + 1, CAP + 5000)).toBe('wait');
    expect(policy.onSweep(T0 + TIMEOUT_MS + 500, fit + 1)).toBe('wait');
    // The client read a little: room for them, but it is still a slow consumer (no resume).
    expect(policy.onDrain(T0 + TIMEOUT_MS + 600, fit)).toBe('close_slow');
    expect(policy.onSweep(T0 + TIMEOUT_MS + 700, 0)).toBe('wait');
  });

  it('cuts a slow consumer that never makes room for its final frames, another timeout later', () => {
    const policy = conflatedAt(T0);
    const judged = T0 + TIMEOUT_MS + 1;
    expect(policy.onSweep(judged, CAP)).toBe('wait');
    expect(policy.onSweep(judged + TIMEOUT_MS, CAP)).toBe('wait');
    expect(policy.onSweep(judged + TIMEOUT_MS + 1, CAP)).toBe('terminate');
    expect(policy.onSweep(judged + TIMEOUT_MS + 2, 0)).toBe('wait');
  });

  it('counts the timeout from the latest conflation after a resume', () => {
    const policy = conflatedAt(T0);
    expect(policy.onDrain(T0, 0)).toBe('resume');
    expect(policy.afterSend(T0 + 40_000, CONFLATE_AT + 1)).toBe('conflate');
    expect(policy.onSweep(T0 + 40_000 + TIMEOUT_MS, CONFLATE_AT)).toBe('wait');
    expect(policy.onSweep(T0 + 40_000 + TIMEOUT_MS + 1, CONFLATE_AT)).toBe('close_slow');
  });

  it('scales its thresholds with the configured cap', () => {
    const small = new ClientPolicy(
      clientLimits({ maxBackpressureBytes: 256 * 1024, slowConsumerTimeoutMs: 200 }),
    );
    expect(small.afterSend(T0, 128 * 1024)).toBe('ok');
    expect(small.afterSend(T0, 128 * 1024 + 1)).toBe('conflate');
    expect(small.onSweep(T0 + 200, 16 * 1024 + 1)).toBe('wait');
    expect(small.onDrain(T0, 16 * 1024)).toBe('resume');
    expect(small.afterSend(T0 + 1000, 128 * 1024 + 1)).toBe('conflate');
    expect(small.onSweep(T0 + 1201, 256 * 1024 - FINAL_FRAMES_BYTES + 1)).toBe('wait');
    expect(small.onSweep(T0 + 1202, 256 * 1024 - FINAL_FRAMES_BYTES)).toBe('close_slow');
  });
});
