import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from './keys.js';

/*
 * The first-start bootstrap's progress (SPEC §12), key `keys.bootstrapStatus`: one JSON document, replaced
 * whole by its one writer (the jobs process's bootstrap job, jobs/bootstrap.ts) so a reader never sees half an
 * update. Readers: the gateway (`/health`, `/metrics`, and through `/health` the web page's banner), `npm
 * start`'s terminal, and the orchestrator, which reloads metadata and history while the bootstrap stores them.
 *
 * A document that does not parse is reported as unreadable rather than guessed at: a reader shows "unknown",
 * never a made-up progress.
 */

export const BOOTSTRAP_STATES = ['idle', 'running', 'done', 'failed'] as const;
export type BootstrapState = (typeof BOOTSTRAP_STATES)[number];

/** `metadata`: reference data for the whole universe (it yields the universe); `history`: RVOL volume slots. */
export const BOOTSTRAP_PHASES = ['check', 'metadata', 'history'] as const;
export type BootstrapPhase = (typeof BOOTSTRAP_PHASES)[number];

export const bootstrapStatusSchema = z.object({
  /**
   * `idle`: not needed, or stopped with the process (it resumes at the next start); `running`; `done`; `failed`
   * (retries exhausted or not retryable, e.g. a refused key: `lastError` says why).
   */
  state: z.enum(BOOTSTRAP_STATES),
  /** The phase running or last run; null before the first check. */
  phase: z.enum(BOOTSTRAP_PHASES).nullable(),
  /** The step inside the phase, as the job reports it (`list`, `float`, `details`, `backfill`, …). */
  step: z.string().nullable(),
  /** Why the bootstrap runs (or why not): the rule that found data missing. */
  reason: z.string(),
  /** Units of the current step finished (tickers), failed ones included; `total` = what this run has to fetch. */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Units that failed in the current phase (counted in `done`). */
  errors: z.number().int().nonnegative(),
  /** Units per second over the current step. */
  ratePerSec: z.number().nonnegative(),
  /** Seconds left in the current step at that rate; null while unknown. */
  etaSec: z.number().nonnegative().nullable(),
  /** Vendor requests made by this bootstrap so far. */
  requests: z.number().int().nonnegative(),
  /** ISO instants. `startedAt`: when this bootstrap began (kept across restarts that resume it). */
  startedAt: z.string().nullable(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** The latest error (a symbol's failure, or what stopped the run), `Name: message`. */
  lastError: z.string().nullable(),
});

export type BootstrapStatus = z.infer<typeof bootstrapStatusSchema>;

/** What a reader gets: the status, none yet (no bootstrap ever checked: no vendor key), or an unreadable one. */
export type BootstrapStatusRead =
  | { readonly ok: true; readonly status: BootstrapStatus }
  | { readonly ok: false; readonly reason: 'absent' | 'invalid'; readonly detail?: string };

/** Replaces the stored status (one SET: readers see the old document or the new one). */
export async function writeBootstrapStatus(redis: Redis, keys: Keys, status: BootstrapStatus): Promise<void> {
  await redis.set(keys.bootstrapStatus, JSON.stringify(bootstrapStatusSchema.parse(status)));
}

export async function readBootstrapStatus(redis: Redis, keys: Keys): Promise<BootstrapStatusRead> {
  return parseBootstrapStatus(await redis.get(keys.bootstrapStatus));
}

export function parseBootstrapStatus(text: string | null): BootstrapStatusRead {
  if (text === null) return { ok: false, reason: 'absent' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid', detail: 'not JSON' };
  }
  const r = bootstrapStatusSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, reason: 'invalid', detail: `${issue?.path.join('.')}: ${issue?.message}` };
  }
  return { ok: true, status: r.data };
}

/** The status as `/health` shows it: the document, `{state: 'idle'}` when there is none, or why it is unreadable. */
export function bootstrapHealth(read: BootstrapStatusRead): Record<string, unknown> {
  if (read.ok) return read.status;
  if (read.reason === 'absent') return { state: 'idle', reason: 'no bootstrap has run (no vendor key?)' };
  return { state: 'unknown', reason: `stored status unreadable: ${read.detail ?? ''}` };
}

/** Words for a phase, in progress lines and the web page's banner. */
export const PHASE_TITLES: Readonly<Record<BootstrapPhase, string>> = {
  check: 'checking stored data',
  metadata: 'reference data',
  history: 'history',
};
